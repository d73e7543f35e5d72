// The guard's byte scan of an XML part and its search for declarations (server/xlsx/xmlScan.ts): what the scan
// counts as rows, cells and shared strings, with or without a namespace prefix, and where each stops.
import assert from 'node:assert/strict';
import { firstDeclaration, scanXml } from '../server/xlsx/xmlScan';

const roomy = { maxDepth: 20, maxRows: 100, maxCells: 100 };
const scan = (xml: string, limits = roomy) => scanXml(Buffer.from(xml, 'utf8'), limits);

describe('the XML scan before parsing', () => {
  it('counts rows, cells and shared strings by local name, whatever their prefix, and nothing that only starts alike', () => {
    const plain = '<worksheet><cols><col min="1"/></cols><sheetData><row r="1"><c r="A1"/><c r="B1" t="s"><v>0</v></c></row>'
      + '<row r="2" spans="1:2"><c r="A2"><v>1</v></c></row></sheetData><rowBreaks/><colBreaks/></worksheet>';
    assert.deepEqual(scan(plain), { ok: true, rows: 2, cells: 3, strings: 0 });
    const prefixed = plain.replace(/<(\/?)(?=[a-z])/g, '<$1x:');
    assert.deepEqual(scan(prefixed), { ok: true, rows: 2, cells: 3, strings: 0 });
    assert.deepEqual(scan('<sst><si><t>a</t></si><x:si><x:t>b</x:t></x:si><sic/><s/></sst>'), { ok: true, rows: 0, cells: 0, strings: 2 });
    // A ">" inside a quoted attribute value does not end the tag early.
    assert.deepEqual(scan('<sheetData><row r="1" x="a>b"><c r="A1" y=\'>\'/></row></sheetData>'), { ok: true, rows: 1, cells: 1, strings: 0 });
    // However long the prefix, the local name is what counts.
    assert.deepEqual(scan(`<sheetData><${'p'.repeat(70)}:c/></sheetData>`), { ok: true, rows: 0, cells: 1, strings: 0 });
    // A quote straight after a name is no name counted, and still a quoted value: the tag ends after it, closing itself.
    assert.deepEqual(scan('<a><c"x>"/></a>', { ...roomy, maxDepth: 1 }), { ok: true, rows: 0, cells: 0, strings: 0 });
  });

  it('stops at the first limit passed, and refuses any declaration', () => {
    const rows = `<sheetData>${'<x:row r="1"/>'.repeat(6)}</sheetData>`;
    assert.deepEqual(scan(rows, { ...roomy, maxRows: 5 }), { ok: false, problem: 'rows', at: rows.lastIndexOf('<x:row') });
    const cells = `<row>${'<c/>'.repeat(4)}</row>`;
    assert.deepEqual(scan(cells, { ...roomy, maxCells: 3 }), { ok: false, problem: 'cells', at: cells.lastIndexOf('<c/>') });
    assert.equal((scan('<a><b><c><d/></c></b></a>', { ...roomy, maxDepth: 2 }) as { problem: string }).problem, 'depth');
    assert.equal((scan('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x/>') as { problem: string }).problem, 'doctype');
    assert.deepEqual(scan('<x><!-- <row> --><![CDATA[<c>]]></x>'), { ok: true, rows: 0, cells: 0, strings: 0 });
  });

  it('finds every tag after text of any length, and takes an unclosed quoted value to the end of the part', () => {
    // Short runs of text are stepped over byte by byte, long ones searched: a tag right after either is counted.
    for (const n of [0, 1, 31, 32, 33, 100, 5000]) {
      const text = 'x'.repeat(n);
      assert.deepEqual(scan(`<sst><si><t>${text}</t></si>${text}<si><t>${text}</t></si>${text}</sst>`), { ok: true, rows: 0, cells: 0, strings: 2 }, `${n} characters`);
    }
    // The quote never closes: no tag after it is seen, and the open tag counts (it does not close itself).
    assert.deepEqual(scan('<sheetData><row r="1><c r="A1"/></row></sheetData>'), { ok: true, rows: 1, cells: 0, strings: 0 });
    assert.equal((scan('<a><b x="/>', { ...roomy, maxDepth: 1 }) as { problem: string }).problem, 'depth');
    assert.deepEqual(scan('<a x=\'"\'/><c/>'), { ok: true, rows: 0, cells: 1, strings: 0 });
  });

  it('finds the first declaration as the scan does, stepping over comments and CDATA, whatever "!" the text holds', () => {
    const at = (xml: string) => firstDeclaration(Buffer.from(xml, 'utf8'));
    assert.equal(at('<sst><si><t>Urgent! Now!</t></si></sst>'), -1);
    assert.equal(at('<!DOCTYPE x><x/>'), 0);
    assert.equal(at('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><x/>'), 22);
    assert.equal(at('<x><!-- <!DOCTYPE x> --><![CDATA[<!ENTITY a "b">]]></x>'), -1);
    assert.equal(at('<x><!-- ok --><!ELEMENT x ANY></x>'), 14);
    assert.equal(at('<x><!-- never closed <!DOCTYPE x></x>'), -1); // as the scan: the rest is a comment
    for (const xml of ['<sst><si><t>Urgent!</t></si></sst>', '<!DOCTYPE x><x/>', '<x><!-- <!DOCTYPE x> --><![CDATA[<!ENTITY a>]]></x>', '<x><!-- ok --><!ELEMENT x ANY></x>']) {
      const scanned = scanXml(Buffer.from(xml, 'utf8'), roomy);
      assert.equal(at(xml) === -1, scanned.ok, xml);
    }
  });
});
