// The same plan, written by our writer, filled and saved by openpyxl, and re-saved by LibreOffice, reads as the same
// plan model with the same findings — with deadlines, statuses and cell values in every shape people and programs
// produce. All files are made here from our blank workbook.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { loadOrganisations } from '../server/organisations';
import { checkWorkbook, type CheckOutcome } from '../server/xlsx/checkWorkbook';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';
import { addDays, isoToSerial, todayIso } from '../shared/cells';
import { PLAN_SHEET } from '../shared/layout';
import type { Plan } from '../shared/plan';
import { fillWithOpenpyxl, resaveWithLibreOffice } from './helpers/apps';
import { contentCells, fillWorkbook, goodPlanContent, type ActionContent, type PlanContent } from './helpers/plans';

const organisations = loadOrganisations();
const today = todayIso();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const [y, m, d] = addDays(today, 90).split('-');
/** One deadline, 90 days ahead, in every shape. */
const DEADLINE = {
  iso: `${y}-${m}-${d}`,
  date: new Date(`${y}-${m}-${d}T00:00:00Z`),
  serial: isoToSerial(`${y}-${m}-${d}`),
  slashes: `${d}/${m}/${y}`,
  dashes: `${d}-${m}-${y}`,
  words: `${+d!} ${MONTHS[+m! - 1]} ${y}`,
};

const action = (recommendation: number, what: string, fields: Partial<ActionContent>): ActionContent => ({
  recommendation,
  action: `Agree with the MDT a written process so that ${what} is checked and recorded every month`,
  responsible: 'Dr Jane Smith, consultant oncologist',
  deadline: DEADLINE.date,
  status: '2. Action in progress',
  priority: 'High',
  progress: 'First monthly check done',
  ...fields,
});

/** A correct plan plus actions with deadlines and statuses in every shape, and one deadline that is not a date. */
function mixedContent(withSerial = true): PlanContent {
  const content = goodPlanContent('RGT');
  content.actions.push(
    action(2, 'the deadline typed with slashes', { deadline: DEADLINE.slashes, status: '2', priority: ' high ' }),
    action(2, 'the deadline typed with dashes', { deadline: DEADLINE.dashes, status: 'action in progress', priority: 'LOW' }),
    action(3, 'the deadline typed in words', { deadline: DEADLINE.words, status: '  2. Action in progress ', priority: 'medium' }),
    action(3, 'the status typed as a number', { status: 2 }),
    action(4, 'the status in capitals', { status: '2. ACTION IN PROGRESS', responsible: '  Mr Ahmed   Khan, MDT coordinator ' }),
    action(5, 'a deadline that is no date', { deadline: 'end of March' }),
  );
  if (withSerial) content.actions.push(action(4, 'the deadline as a serial number', { deadline: DEADLINE.serial }));
  return content;
}

const check = async (bytes: Buffer): Promise<CheckOutcome> => checkWorkbook(bytes, { organisations, today, file: 'plan.xlsx' });

async function partText(bytes: Buffer, name: string): Promise<string> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName !== name) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    zip.close();
    return Buffer.concat(chunks).toString('utf8');
  }
  throw new Error(`${name} not found`);
}

describe('reading plans saved by other applications', function () {
  this.timeout(300_000);
  let dir: string;
  let blankPath: string;
  let blank: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'naome-reader-'));
    blank = await writePlanWorkbook({ organisations });
    blankPath = join(dir, 'blank.xlsx');
    await writeFile(blankPath, blank);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  /** Writes bytes (or an openpyxl fill) to `name` in its own folder, then re-saves it with LibreOffice. */
  async function viaLibreOffice(name: string, bytes: Buffer): Promise<Buffer> {
    const src = await mkdtemp(join(dir, 'src-'));
    const out = await mkdtemp(join(dir, 'lo-'));
    await writeFile(join(src, name), bytes);
    return readFile(await resaveWithLibreOffice(join(src, name), out));
  }
  async function viaOpenpyxl(name: string, content: PlanContent, opts: Parameters<typeof fillWithOpenpyxl>[3] = {}): Promise<Buffer> {
    const path = join(dir, name);
    await fillWithOpenpyxl(blankPath, content, path, opts);
    return readFile(path);
  }

  it('gives the same plan and the same findings from our writer, openpyxl and LibreOffice', async () => {
    const content = mixedContent();
    const ours = await fillWorkbook(blank, content);
    const openpyxl = await viaOpenpyxl('openpyxl.xlsx', content);
    const [oursLo, openpyxlLo] = await Promise.all([viaLibreOffice('ours.xlsx', ours), viaLibreOffice('openpyxl.xlsx', openpyxl)]);
    // The files really differ in how they hold the values.
    assert.match(await partText(openpyxl, 'xl/worksheets/sheet1.xml'), /t="inlineStr"/);
    assert.match(await partText(oursLo, 'xl/worksheets/sheet1.xml'), /t="s"/);

    const expected = await check(ours);
    const plan = expected.plan!;
    assert.ok(plan, JSON.stringify(expected.result.findings));
    for (const [source, bytes] of Object.entries({ openpyxl, 'LibreOffice (ours)': oursLo, 'LibreOffice (openpyxl)': openpyxlLo })) {
      const got = await check(bytes);
      assert.deepEqual(got.plan, plan, `${source}: plan`);
      assert.deepEqual(got.result, expected.result, `${source}: findings`);
    }

    // Every deadline shape became the same ISO date; statuses and text are as typed, trimmed.
    const byAction = (what: string) => plan.actions.find((a) => a.action!.includes(what))!;
    for (const what of ['slashes', 'dashes', 'in words', 'serial number', 'status typed as a number']) assert.equal(byAction(what).deadline, DEADLINE.iso, what);
    assert.deepEqual(['slashes', 'dashes', 'in words', 'as a number', 'capitals'].map((w) => byAction(w).status),
      ['2', 'action in progress', '2. Action in progress', '2', '2. ACTION IN PROGRESS']);
    assert.equal(byAction('slashes').priority, 'high');
    assert.equal(byAction('capitals').responsible, 'Mr Ahmed Khan, MDT coordinator');
    assert.equal(byAction('no date').deadline, 'end of March');
    // The rules read every status and priority shape as valid; the one bad deadline is the one error.
    assert.deepEqual(expected.result.findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.cell}`),
      [`DEADLINE_NOT_DATE ${contentCells(content).find((c) => c.value === 'end of March')!.cell}`]);
  });

  it('reads the 1904 date system, from openpyxl and as LibreOffice writes it (date1904="true")', async () => {
    const content = mixedContent(false);
    const expected = (await check(await fillWorkbook(blank, content))).plan;
    const openpyxl1904 = await viaOpenpyxl('epoch1904.xlsx', content, { date1904: true });
    const lo1904 = await viaLibreOffice('epoch1904.xlsx', openpyxl1904);
    assert.match(await partText(openpyxl1904, 'xl/workbook.xml'), /date1904="1"/);
    assert.match(await partText(lo1904, 'xl/workbook.xml'), /date1904="true"/);
    assert.deepEqual((await check(openpyxl1904)).plan, expected);
    assert.deepEqual((await check(lo1904)).plan, expected);
    // exceljs alone misreads LibreOffice's "true" and shifts every date by 1462 days: the workaround is what helps.
    const bare = new ExcelJS.Workbook();
    await bare.xlsx.load(lo1904 as unknown as ArrayBuffer, { ignoreNodes: ['dataValidations', 'conditionalFormatting'] } as never);
    const firstDeadline = expected!.actions[0]!;
    const bareValue = bare.getWorksheet(PLAN_SHEET)!.getCell(`D${firstDeadline.row}`).value as Date;
    assert.notEqual(bareValue.toISOString().slice(0, 10), firstDeadline.deadline);

    // A serial number typed into a 1904 workbook means a day 1462 days later, as Excel shows it.
    const serialOnly = goodPlanContent('RGT');
    serialOnly.actions[0]!.deadline = DEADLINE.serial;
    const serialPlan = (await check(await viaOpenpyxl('serial1904.xlsx', serialOnly, { date1904: true }))).plan!;
    assert.equal(serialPlan.actions[0]!.deadline, addDays(DEADLINE.iso, 1462));
  });

  it('reads rich text, hyperlinks, formulas with and without a cached result, and errors', async () => {
    const content = goodPlanContent('RGT');
    const filled = await fillWorkbook(blank, content);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(filled as unknown as ArrayBuffer);
    const ws = wb.getWorksheet(PLAN_SHEET)!;
    const rows = (await check(filled)).plan!.actions.map((a) => a.row);
    const [r1, r2, r3] = rows;
    ws.getCell(`B${r1}`).value = { richText: [{ text: 'Review the ', font: { bold: true } }, { text: 'NAoMe dashboard', font: { italic: true } }, { text: ' at every breast MDT business meeting' }] };
    ws.getCell(`H${r1}`).value = { text: 'Minutes of the MDT meeting', hyperlink: 'https://example.nhs.uk/minutes' };
    ws.getCell(`D${r1}`).value = { formula: `DATE(${y},${+m!},${+d!})`, result: DEADLINE.date };
    ws.getCell(`D${r2}`).value = { formula: `DATE(${y},${+m!},${+d!})` } as ExcelJS.CellFormulaValue;
    ws.getCell(`F${r2}`).value = { error: '#N/A' } as ExcelJS.CellErrorValue;
    ws.getCell(`C${r3}`).value = { richText: [{ text: 'Dr Jane ' }, { text: 'Smith', font: { bold: true } }] };
    const shaped = Buffer.from(await wb.xlsx.writeBuffer());

    const read = async (bytes: Buffer) => {
      const { plan } = await check(bytes);
      const at = (row: number) => plan!.actions.find((a) => a.row === row)!;
      return { first: at(r1!), second: at(r2!), third: at(r3!) };
    };
    const ours = await read(shaped);
    assert.equal(ours.first.action, 'Review the NAoMe dashboard at every breast MDT business meeting');
    assert.equal(ours.first.progress, 'Minutes of the MDT meeting');
    assert.equal(ours.first.deadline, DEADLINE.iso);
    assert.equal(ours.second.deadline, `=DATE(${y},${+m!},${+d!})`); // no cached result: the formula as typed
    assert.equal(ours.second.priority, '#N/A');
    assert.equal(ours.third.responsible, 'Dr Jane Smith');

    // LibreOffice keeps the rich text, the link text and the error, and calculates the formula it was given bare.
    const lo = await read(await viaLibreOffice('shapes.xlsx', shaped));
    assert.deepEqual({ ...lo.first }, { ...ours.first });
    assert.equal(lo.second.deadline, DEADLINE.iso);
    assert.equal(lo.second.priority, '#N/A');
    assert.equal(lo.third.responsible, 'Dr Jane Smith');
  });

  it('reads a workbook where openpyxl wrote an absolute part path (which crashes exceljs alone)', async () => {
    const content = mixedContent();
    const withTable = await viaOpenpyxl('table.xlsx', content, { table: true });
    assert.match(await partText(withTable, 'xl/worksheets/_rels/sheet3.xml.rels'), /Target="\/xl\/tables\/table1\.xml"/);
    await assert.rejects(new ExcelJS.Workbook().xlsx.load(withTable as unknown as ArrayBuffer));
    const expected: Plan | null = (await check(await fillWorkbook(blank, content))).plan;
    assert.deepEqual((await check(withTable)).plan, expected);
  });
});
