// A1 addresses, as the Excel API, the sheet XML and the findings write them: 'C5', 'A1:H118', "'Action plan'!A1:H118".

/** Column letters to a 0-based index: A → 0, H → 7, AA → 26. */
export function colIndex(col: string): number {
  let n = 0;
  for (const ch of col.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** 0-based index to column letters. */
export function colName(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function parseCell(cell: string): { col: string; row: number } {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(cell.trim());
  if (!m) throw new Error(`"${cell}" is not a cell address like C5.`);
  return { col: m[1]!.toUpperCase(), row: Number(m[2]) };
}

/** The top-left cell of an address, with any sheet name removed ("'Action plan'!B3:H9" → B3). */
export function topLeft(address: string): { col: string; row: number } {
  const local = address.includes('!') ? address.slice(address.lastIndexOf('!') + 1) : address;
  return parseCell(local.split(':')[0]!);
}
