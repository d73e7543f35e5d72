// The organisations CSV goes into every workbook's dropdown: a character XML cannot hold (U+FFFE, a C0 control, a lone
// surrogate) or any control character is refused with the file and line, by the one parser the service, the CLI and
// the add-in share; a clean list gives a template openpyxl (an application other than ours) reads.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { organisationLabel, parseOrganisationsCsv } from '../shared/organisations';
import { DEFAULT_ORGANISATIONS_CSV, loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { listValues, openpyxlSees } from './helpers/openpyxl';
import { call, startTestServer } from './helpers/server';

const run = promisify(execFile);
const NAOME = join(process.cwd(), 'bin', 'naome.js');
const HEAD = 'ods_code,name,nation,nhs_england_region';

describe('organisations CSV: characters a workbook cannot hold are refused with the file and line', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'naome-orgs-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('refuses U+FFFE, U+FFFF, C0 and C1 controls, bidi overrides and lone surrogates, naming the line and column', () => {
    for (const [bad, shown] of [['\uFFFE', '\\ufffe'], ['\uFFFF', '\\uffff'], ['\u0001', '\\u0001'], ['\u001b', '\\u001b'],
      ['\u007f', '\\u007f'], ['\u0085', '\\u0085'], ['\u202E', '\\u202e'], ['\uD800', '\\ud800'], ['\uDC00', '\\udc00'], ['\r', '\\u000d']]) {
      const csv = `${HEAD}\n\nRGT,Cambridge University Hospitals,England,East\nRTH,Oxford${bad} University Hospitals,England,South East\n`;
      assert.throws(() => parseOrganisationsCsv(csv, 'orgs.csv'),
        new RegExp(`^Error: orgs\\.csv, line 4: character 11 holds the control character \\${shown},`), JSON.stringify(bad));
    }
    // Tab, accents, Welsh letters and a surrogate pair are fine.
    const ok = parseOrganisationsCsv(`${HEAD}\n7A1,Bwrdd Iechyd Prifysgol Hywel Dda\tŵ 𝔸,Wales,\n`);
    assert.equal(ok[0]!.name, 'Bwrdd Iechyd Prifysgol Hywel Dda\tŵ 𝔸');
  });

  it('gives line numbers as in the file, blank lines counted', () => {
    assert.throws(() => parseOrganisationsCsv(`${HEAD}\n\n\nRGT,,England,\n`), /line 4: the name is empty/);
  });

  it('builds a template from a clean list that openpyxl reads, dropdown and all', async () => {
    const csv = `${(await readFile(DEFAULT_ORGANISATIONS_CSV, 'utf8')).trimEnd()}\nZZ901,"Ysbyty Gwynedd – Bangor, ""North""",Wales,\n`;
    const path = join(dir, 'clean.csv');
    await writeFile(path, csv);
    const organisations = loadOrganisations(path);
    const xlsx = join(dir, 'clean.xlsx');
    await writeFile(xlsx, await writePlanWorkbook({ organisations, organisation: 'ZZ901' }));
    const seen = openpyxlSees(xlsx);
    const orgList = seen.sheets[0]!.validations.find((v) => listValues(seen, v.formula1 ?? '').includes(organisationLabel(organisations.at(-1)!)));
    assert.ok(orgList, 'the organisation dropdown holds the new organisation');
    assert.ok(Object.values(seen.sheets[0]!.cells).includes('ZZ901 – Ysbyty Gwynedd – Bangor, "North"'));
  });

  it('the command line refuses a bad list naming the file and line (exit 2)', async () => {
    const path = join(dir, 'bad.csv');
    await writeFile(path, `${HEAD}\nRGT,Cambridge University Hospitals,England,East\nRTH,Oxford\uFFFE,England,South East\n`);
    const err = await run(process.execPath, [NAOME, 'validate', '--orgs', path, path]).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(err);
    assert.equal(err.code, 2);
    assert.match(err.stderr, new RegExp(`${path.replace(/[.\\/]/g, '\\$&')}, line 3: character 11 holds the control character \\\\ufffe`));
  });

  it('the service refuses a bad list with 400 BAD_CSV naming the line, and keeps the old list', async () => {
    const s = await startTestServer();
    try {
      const before = (await call(s.url, 'GET', '/api/organisations')).json.length;
      const put = await call(s.url, 'PUT', '/api/admin/organisations', {
        key: s.adminKey, type: 'text/csv', body: `${HEAD}\nRGT,Cambridge University Hospitals,England,East\nRTH,Ox\u001b[31mford,England,\n`,
      });
      assert.equal(put.status, 400);
      assert.equal(put.json.error.code, 'BAD_CSV');
      assert.match(put.json.error.message, /line 3: character 7 holds the control character \\u001b/);
      assert.equal((await call(s.url, 'GET', '/api/organisations')).json.length, before);
      const template = await call(s.url, 'GET', '/template.xlsx');
      const path = join(dir, 'served.xlsx');
      await writeFile(path, template.bytes);
      assert.equal(openpyxlSees(path).sheets.length, 3, 'the served template still opens in openpyxl');
    } finally {
      await s.close();
    }
  });
});
