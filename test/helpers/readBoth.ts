// One workbook read both ways: by the file reader (checkWorkbook) and by the add-in's Check on office-addin-mock loaded
// from the same bytes, and the assertion that they agree — finding for finding, action for action.
import assert from 'node:assert/strict';
import { checkOpenWorkbook } from '../../addin/src/readPlan';
import { ExcelWorkbookModel } from '../../addin/mock/excelMock';
import { openXlsx } from '../../addin/mock/fromXlsx';
import type { Organisation } from '../../shared/organisations';
import { checkWorkbook, type CheckOutcome } from '../../server/xlsx/checkWorkbook';

export interface BothReads { file: CheckOutcome; addin: Awaited<ReturnType<typeof checkOpenWorkbook>> }

export async function readBoth(bytes: Buffer, opts: { organisations: Organisation[]; today: string }): Promise<BothReads> {
  return {
    file: await checkWorkbook(bytes, opts),
    addin: await checkOpenWorkbook(ExcelWorkbookModel.opened(await openXlsx(bytes)).context(), opts),
  };
}

/** The add-in (office-addin-mock loaded from the same file) says exactly what the file reader says. */
export function assertSameInAddin(name: string, { file, addin }: BothReads): void {
  assert.deepEqual(addin.result.findings, file.result.findings, `${name}: the add-in's Check differs from the file reader`);
  assert.deepEqual(addin.plan, file.plan, `${name}: the add-in's plan differs from the file reader's`);
}
