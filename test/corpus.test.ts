// 93 real spreadsheets written by many applications (test/fixtures/corpus, carried in the repository), none an
// action plan: every one is refused with a specific reason, none throws, none runs into the time limit.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook } from '../server/xlsx/checkWorkbook';
import { guardWorkbook } from '../server/xlsx/guard';
import { DEFAULT_LIMITS } from '../server/xlsx/limits';
import { readWorkbook } from '../server/xlsx/readWorkbook';
import { CORPUS } from './helpers/fixtures';


/** What each kind of file must be refused as: its container says so before any parsing. */
const EXPECTED: Record<string, string[]> = {
  xls: ['FILE_LEGACY_XLS'],
  xlsb: ['FILE_XLSB'],
  ods: ['FILE_ODS'],
  xlsm: ['FILE_MACRO_ENABLED'],
  // Real .xlsx files: read, and found not to be a plan — or refused by a limit (one holds a 57 MB sheet).
  xlsx: ['NOT_ACTION_PLAN', 'ZIP_TOO_LARGE_UNCOMPRESSED', 'ZIP_COMPRESSION_RATIO', 'SHEET_TOO_LARGE'],
  '': ['FILE_CSV'], // the LICENSE text
};

describe('the sheetjs corpus: real spreadsheets that are not action plans', function () {
  this.timeout(120_000);
  const organisations = loadOrganisations();

  it('refuses every file with a specific reason, and none throws or takes over 2 s', async () => {
    const files = (await readdir(CORPUS)).sort();
    assert.ok(files.length >= 90, `corpus found at ${CORPUS}`);
    const seen = new Map<string, number>();
    for (const name of files) {
      const { result, plan } = await checkWorkbook(await readFile(CORPUS + name), { organisations, file: name, limits: { timeoutMs: 2000 } });
      const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
      assert.equal(result.findings.length, 1, `${name}: ${JSON.stringify(result.findings)}`);
      const [f] = result.findings;
      assert.ok(EXPECTED[ext]!.includes(f!.code), `${name}: ${f!.code} — ${f!.message}`);
      assert.notEqual(f!.code, 'READ_TIMEOUT');
      assert.equal(f!.severity, 'error');
      assert.ok(f!.message.length > 40, `${name}: a message that says why`);
      assert.equal(result.valid, false);
      assert.equal(result.file, name);
      assert.equal(plan, null);
      // Not a plan is a readable spreadsheet (exit 1); everything else could not be read at all (exit 2).
      assert.equal(result.readable, f!.code === 'NOT_ACTION_PLAN', name);
      seen.set(f!.code, (seen.get(f!.code) ?? 0) + 1);
    }
    // Every kind of container in the corpus was met.
    for (const code of ['FILE_LEGACY_XLS', 'FILE_XLSB', 'FILE_ODS', 'FILE_MACRO_ENABLED', 'NOT_ACTION_PLAN']) assert.ok(seen.get(code), code);
  });

  it('names the sheets it found when a workbook is not a plan', async () => {
    const { result } = await checkWorkbook(await readFile(`${CORPUS}sheet_visibility.xlsx`), { organisations, file: 'sheet_visibility.xlsx' });
    assert.match(result.findings[0]!.message, /no "Action plan" sheet .*"Visible"/);
    // A workbook stored under a non-standard folder (wtf/workbook.xml) is found through the package relationships.
    const odd = await checkWorkbook(await readFile(`${CORPUS}wtf_path.xlsx`), { organisations });
    assert.equal(odd.result.findings[0]!.code, 'NOT_ACTION_PLAN');
    assert.match(odd.result.findings[0]!.message, /"SheetJS"/);
  });

  it('reads every sheet of every real .xlsx through the guard and exceljs without a failure', async () => {
    // The plan check never parses sheets other than a plan's; here every sheet is asked for, so exceljs meets
    // files from Excel, LibreOffice, WPS, Numbers, strict OOXML and odd part paths — through the reader's workarounds.
    let read = 0;
    for (const name of (await readdir(CORPUS)).filter((n) => n.endsWith('.xlsx')).sort()) {
      const bytes = await readFile(CORPUS + name);
      const listed = guardWorkbook(bytes, DEFAULT_LIMITS, {});
      if (!listed.ok) { assert.equal(name, 'large_strings.xlsx', listed.finding.message); continue; }
      const guarded = guardWorkbook(bytes, DEFAULT_LIMITS, Object.fromEntries(listed.workbook.sheets.map((s) => [s.name, null])));
      assert.ok(guarded.ok, name);
      const outcome = await readWorkbook(guarded.workbook);
      assert.ok(outcome.ok, `${name}: ${outcome.ok ? '' : outcome.finding.message}`);
      const first = outcome.workbook.sheetNames[0]!;
      assert.doesNotThrow(() => outcome.workbook.read(first, 'A1'));
      read++;
    }
    assert.ok(read >= 60, `${read} workbooks read`);
  });
});
