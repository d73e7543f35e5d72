// Writing one blank plan workbook in-process with exceljs (what `naome template` and the service's download do):
// median and spread of N runs after a warm-up, the file's size, and the heap/RSS growth across the runs.
import { loadOrganisations } from '../server/organisations';
import { writePlanWorkbook } from '../server/xlsx/writePlanWorkbook';

const N = 30;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function bench(): Promise<void> {
  const organisations = loadOrganisations();
  for (let i = 0; i < 3; i++) await writePlanWorkbook({ organisations }); // warm-up: JIT and module caches
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    const bytes = await writePlanWorkbook({ organisations, organisation: i % 2 ? 'RGT' : undefined });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    size = bytes.length;
  }
  const rssAfter = process.memoryUsage().rss;
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`write one plan workbook (exceljs, ${organisations.length} organisations in the dropdown), ${N} runs:`);
  console.log(`  median ${fmt(median(times))}, min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))}`);
  console.log(`  file size ${(size / 1024).toFixed(1)} KB; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MB`);
}

// Run on its own: `npx tsx bench/workbook.ts`.
if (import.meta.url === `file://${process.argv[1]}`) await bench();
