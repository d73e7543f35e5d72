// The modelled Excel (excelMock.ts, over office-addin-mock) installed as the page's `Office` and `Excel` globals,
// for loading the built task pane in headless Chromium (test/addin-e2e.test.ts). Bundled by the test; never shipped.
import { ExcelWorkbookModel } from './excelMock';

export interface MockHostOptions {
  /** Office.context.host; null when the page is opened outside Office. */
  host?: 'Excel' | 'Word' | null;
  /** The highest ExcelApi version the modelled Excel supports. */
  excelApi?: string;
  /** Start with this workbook open (e.g. a downloaded plan, see fromXlsx.ts) instead of a blank one. */
  workbook?: Parameters<typeof ExcelWorkbookModel.opened>[0];
}

const newer = (have: string, want: string) => {
  const [a, b] = [have.split('.').map(Number), want.split('.').map(Number)];
  return a[0]! > b[0]! || (a[0] === b[0] && (a[1] ?? 0) >= (b[1] ?? 0));
};

export function install(opts: MockHostOptions = {}) {
  const model = opts.workbook ? ExcelWorkbookModel.opened(opts.workbook) : new ExcelWorkbookModel(['Sheet1']);
  const host = opts.host === undefined ? 'Excel' : opts.host;
  const g = globalThis as Record<string, unknown>;
  g.__excelModel = model;
  g.Excel = { run: model.run };
  g.Office = {
    HostType: { Excel: 'Excel', Word: 'Word' },
    context: {
      host,
      requirements: { isSetSupported: (set: string, version = '1.1') => host === 'Excel' && set === 'ExcelApi' && newer(opts.excelApi ?? '1.8', version) },
    },
    onReady(cb?: (info: { host: string | null; platform: string | null }) => void) {
      const info = { host, platform: host ? 'OfficeOnline' : null };
      cb?.(info);
      return Promise.resolve(info);
    },
  };
  return model;
}
