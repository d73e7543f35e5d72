// A strict RFC 4180 parser (CRLF records, quoted fields, an optional byte-order mark), so tests check the Actions CSV
// as Excel would split it.
import assert from 'node:assert/strict';

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quoted field');
        value += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') { value += '"'; i++; } else break;
      }
    } else {
      const m = /[,\r]/.exec(text.slice(i));
      const end = m ? i + m.index : text.length;
      value = text.slice(i, end);
      assert.doesNotMatch(value, /["\n]/, 'quotes and line breaks only inside quoted fields');
      i = end;
    }
    record.push(value);
    if (text[i] === ',') i++;
    else {
      assert.equal(text.slice(i, i + 2), '\r\n', 'records end with CRLF');
      i += 2;
      records.push(record);
      record = [];
    }
  }
  return records;
}
