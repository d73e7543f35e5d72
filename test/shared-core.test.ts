import assert from 'node:assert/strict';
import { KnownText, cellDate, cellText, foldWords, isIsoDate, parseDateText, serialToIso, isoToSerial, sameText, todayIso } from '../shared/cells';
import { ACTION_ROWS_PER_RECOMMENDATION, definedNames, planLayout } from '../shared/layout';
import { fixedPlacesOf, namedRange } from '../shared/locate';
import { MergedDown, extractPlan } from '../shared/plan';
import { parseOrganisationsCsv } from '../shared/organisations';
import { currentTemplate } from '../shared/template';
import { parseTemplate } from '../shared/templateSchema';

describe('shared core: cell values', () => {
  it('reads UK date text in every common shape', () => {
    for (const s of ['31/12/2026', '31-12-2026', '31.12.2026', '31/12/26', '31 Dec 2026', '31 December 2026', '31st Dec 2026', '2026-12-31', ' 31 dec 2026 '])
      assert.equal(parseDateText(s), '2026-12-31', s);
    for (const s of ['31/02/2026', '12/31/2026', 'next week', '31 Foo 2026', '2026'])
      assert.equal(parseDateText(s), null, s);
  });
  it('converts serial numbers in the 1900 and 1904 systems', () => {
    assert.equal(serialToIso(46387), '2026-12-31');
    assert.equal(serialToIso(46387 - 1462, true), '2026-12-31');
    assert.equal(isoToSerial('2026-12-31'), 46387);
    assert.equal(serialToIso(-5), null);
    assert.equal(serialToIso(5), '1900-01-05');
    assert.equal(serialToIso(61), '1900-03-01');
  });
  it('normalises deadlines to ISO or keeps the text as typed', () => {
    assert.equal(cellDate(new Date(Date.UTC(2026, 11, 31))), '2026-12-31');
    assert.equal(cellDate(46387), '2026-12-31');
    assert.equal(cellDate('46387'), '2026-12-31');
    assert.equal(cellDate('end of March'), 'end of March');
    assert.equal(cellDate({ formula: 'TODAY()+30' }), '=TODAY()+30');
    assert.equal(cellDate({ error: '#VALUE!' }), '#VALUE!');
    assert.equal(cellDate('   '), null);
    assert.ok(isIsoDate('2028-02-29') && !isIsoDate('2027-02-29'));
  });
  it('folds whitespace but keeps line breaks', () => {
    assert.equal(cellText('  a \t b\r\n c  '), 'a b\nc');
    assert.equal(cellText(''), null);
    assert.equal(cellText(2), '2');
    assert.ok(sameText('a  b\nc', 'a b c'));
  });
  it("knows today's UK date exactly as the Europe/London time zone does, across every clock change", () => {
    const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
    // Every hour from 2024 to 2031 (each clock change, at 01:00 UTC, and each UK midnight fall on the hour), and a minute either side
    // of midnight and of each change.
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2031, 0, 1); t += 3600000) {
      for (const at of [t, t - 60000, t + 60000]) {
        const d = new Date(at);
        assert.equal(todayIso(d), london.format(d), d.toISOString());
      }
    }
  });

  it('knows a real calendar day exactly as a Date round trip does', () => {
    const viaDate = (t: string) => {
      const d = new Date(`${t}T00:00:00Z`);
      return /^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === t;
    };
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    for (const y of [0, 4, 100, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let m = 0; m <= 13; m++) for (let d = 0; d <= 32; d++) {
        const t = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
        assert.equal(isIsoDate(t), viaDate(t), t);
      }
    }
    for (const t of ['', '2026-1-01', '2026-01-01T00:00', ' 2026-01-01', '20260101', 'abcd-ef-gh', '2026-01-01\n', '2026-01-1 ', '2026-0-101', '٢٠٢٦-01-01', '2026-01-0a', '2026/01/01', '2026-00-10', '2026-13-01', '2026-01-00']) assert.equal(isIsoDate(t), false, t);
  });
  it('tidies text exactly as the three rewrites it skips when text is tidy already', () => {
    const rewrite = (s: string) => s.replace(/\r\n?/g, '\n').replace(/[ \t\u00a0]+/g, ' ').replace(/ ?\n ?/g, '\n').trim() || null;
    const alphabet = ['a', 'b', ' ', ' ', '\t', '\u00a0', '\r', '\n', '\r\n', '\u2003', '.'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % alphabet.length;
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: 1 + (i % 12) }, () => alphabet[next()]).join('');
      assert.equal(cellText(s), rewrite(s), JSON.stringify(s));
    }
  });

  it('folds words in ASCII text exactly as the Unicode letter and digit classes do', () => {
    const unicode = (s: string) => {
      let v = s.toLowerCase();
      if (/['’‘`&]/.test(v)) v = v.replace(/['’‘`]/g, '').replace(/&/g, ' and ');
      return v.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    };
    // Every pair of ASCII characters, then longer strings of them.
    for (let a = 0; a < 128; a++) for (let b = 0; b < 128; b++) {
      const s = String.fromCharCode(a, b);
      assert.equal(foldWords(s), unicode(s), JSON.stringify(s));
    }
    const alphabet = ['A', 'z', '0', '9', ' ', '\n', '_', '-', "'", '&', '`', '.', ' and '];
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % alphabet.length;
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: 1 + (i % 10) }, () => alphabet[next()]).join('');
      assert.equal(foldWords(s), unicode(s), JSON.stringify(s));
    }
    // Other scripts keep their letters and digits; a sign that lower-cases to ASCII (the Kelvin sign) is a letter.
    assert.equal(foldWords("Zoë O’Brien & Núñez – ٣ 数据"), 'zoë obrien and núñez ٣ 数据');
    assert.equal(foldWords('\u212a-Team'), 'k team');
  });

  it('reads and compares a known text as cellText and sameText do, whether it is unchanged, re-spaced or edited', () => {
    // The second has two spaces, which a cell's text loses: read back unchanged, it is not the text itself.
    for (const official of ['Audit the MDT listing', 'Record “recurrence”  with the date', 'Suggested actions:\n• One\n• Two', '  padded  ']) {
      const known = new KnownText(official);
      const variants: Array<string | number | null> = [official, cellText(official), official.replace(/ /g, '\n'), `${official} `, official.replace(/ +/g, ' '),
        official.toUpperCase(), official.slice(1), '', null, 5];
      for (const v of variants) {
        assert.equal(known.read(v), cellText(v), JSON.stringify(v));
        const t = typeof v === 'string' || v === null ? v : String(v);
        assert.equal(known.same(t), sameText(t, official), JSON.stringify([t, official]));
      }
    }
  });

  it('finds the top of a merge down a column: merges across one row are no such merge; a bad address throws', () => {
    const down = new MergedDown(['B20:H20', 'E22:E24', 'F30:G33', 'C5', 'e40:e41', 'D050:D52']);
    assert.equal(down.topOf('B', 20), null);
    assert.equal(down.topOf('E', 22), null, 'the top cell itself');
    assert.equal(down.topOf('E', 24), 22);
    assert.equal(down.topOf('E', 25), null);
    assert.equal(down.topOf('F', 33), 30);
    assert.equal(down.topOf('G', 31), null, 'a merge is found by its first column');
    assert.equal(down.topOf('E', 41), 40, 'lower-case letters');
    assert.equal(down.topOf('D', 51), 50, 'leading zeros');
    assert.throws(() => new MergedDown(['X:Y']), /not a cell address/);
  });

  it('leaves the places out of a plan read where the fixed layout puts everything, and only then', () => {
    const read = () => null;
    const fixed = fixedPlacesOf(currentTemplate);
    const copy = JSON.parse(JSON.stringify(fixed)) as typeof fixed;
    assert.equal(extractPlan(currentTemplate, read, false, fixed).places, undefined);
    assert.equal(extractPlan(currentTemplate, read, false, copy).places, undefined, 'equal places, another object');
    assert.equal(extractPlan(currentTemplate, read, false, { ...copy, more: null }).places, undefined, 'no "More actions" sheet');
    const moved = { ...copy, blocks: copy.blocks.map((b, i) => (i === 4 ? { ...b, lastRow: b.lastRow + 1 } : b)) };
    assert.deepEqual(extractPlan(currentTemplate, read, false, moved).places, moved);
    // The same columns found in another order (a heading cleared, its column then taken from the layout) are kept, as ever.
    const { action, ...rest } = copy.columns;
    const reordered = { ...copy, columns: { ...rest, action } };
    assert.deepEqual(extractPlan(currentTemplate, read, false, reordered).places, reordered);
  });

  it('parses a defined name once: the same range each time, shared and so frozen; a long formula still parses', () => {
    const first = namedRange("'Action plan'!$A$22:$H$36");
    assert.deepEqual(first, { sheet: 'Action plan', firstRow: 22, lastRow: 36, firstCol: 1, lastCol: 8 });
    assert.equal(namedRange("'Action plan'!$A$22:$H$36"), first);
    assert.ok(Object.isFrozen(first));
    const long = `'${'x'.repeat(250)}'!$B$3`;
    assert.deepEqual(namedRange(long), { sheet: 'x'.repeat(250), firstRow: 3, lastRow: 3, firstCol: 2, lastCol: 2 });
    assert.equal(namedRange('#REF!'), null);
  });
});

describe('shared core: layout and template', () => {
  const layout = planLayout(currentTemplate, ['RGT – Cambridge']);
  it('gives every recommendation its block of input rows, in order, without overlap', () => {
    assert.equal(layout.recommendations.length, 5);
    let last = layout.columnsRow;
    for (const rec of layout.recommendations) {
      assert.equal(rec.lastActionRow - rec.firstActionRow + 1, ACTION_ROWS_PER_RECOMMENDATION);
      assert.ok(rec.firstActionRow > last);
      last = rec.lastActionRow;
    }
    const rows = layout.rows.map((r) => r.row);
    assert.deepEqual(rows, [...rows].sort((a, b) => a - b));
    assert.equal(new Set(rows).size, rows.length);
  });
  it('names every header field and block, with unique names', () => {
    const names = definedNames(layout).map((n) => n.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('NAOME_ORGANISATION') && names.includes('NAOME_ACTION_PLAN_LEAD') && names.includes('NAOME_ACTIONS_R5'));
  });
  it('refuses a template with a recommendation in an unknown group', () => {
    const broken = structuredClone(currentTemplate) as unknown as { recommendations: Array<{ group: string }> };
    broken.recommendations[0]!.group = 'nope';
    assert.throws(() => parseTemplate(broken), /recommendations\.0\.group: unknown group "nope"/);
  });
});

describe('shared core: organisations CSV', () => {
  it('parses quoted fields', () => {
    const orgs = parseOrganisationsCsv('ods_code,name,nation,nhs_england_region\nRGT,"Cambridge, University Hospitals",England,East of England\n');
    assert.deepEqual(orgs, [{ code: 'RGT', name: 'Cambridge, University Hospitals', nation: 'England', region: 'East of England' }]);
  });
  it('says which line is wrong', () => {
    assert.throws(() => parseOrganisationsCsv('ods_code,name,nation\nRGT,A,England\nRGT,B,England'), /line 3: RGT appears twice/);
    assert.throws(() => parseOrganisationsCsv('code,name\n'), /ods_code, name, nation/);
  });
});
