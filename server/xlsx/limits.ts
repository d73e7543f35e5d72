// Bounds on the work the reader does for one untrusted upload. A real plan is ~30-60 KB with two sheets of a few
// hundred rows, so the defaults leave ample room for honest files while stopping bombs and floods long before they
// cost real memory or time. Every limit can be overridden per call (checkWorkbook's `limits`).
export interface ReadLimits {
  /** Size of the upload itself, in bytes. */
  maxBytes: number;
  /** Entries in the zip (a plan has ~15). */
  maxEntries: number;
  /** Sheets the workbook part lists (a plan has 2). */
  maxSheets: number;
  /** Relationships in one .rels part (a plan's workbook has ~10). */
  maxRelationships: number;
  /** Bytes one part may inflate to: checked against the header AND while actually inflating (headers can lie). */
  maxEntryBytes: number;
  /** Bytes all the parts the reader inflates may add up to (and all declared sizes together). */
  maxTotalBytes: number;
  /** Inflated / compressed size of one part, for parts larger than RATIO_FLOOR_BYTES. */
  maxRatio: number;
  /** Element nesting in any XML part (a plan's deepest is ~6). */
  maxXmlDepth: number;
  /** Rows in one worksheet. */
  maxRows: number;
  /** Cells in one worksheet, and strings in the shared strings table. */
  maxCells: number;
  /** Wall time for the whole read, in milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxEntries: 2000,
  maxSheets: 255,
  maxRelationships: 2000,
  maxEntryBytes: 50 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxRatio: 200,
  maxXmlDepth: 64,
  maxRows: 10_000,
  maxCells: 200_000,
  // A plan reads in a few ms; this only stops a runaway read. It is wall time, so it must leave room for a busy
  // server checking many uploads at once.
  timeoutMs: 10_000,
});

/** Small parts compress far better than any bomb needs to (a 40 KB run of empty styled rows can reach 300:1). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export function resolveLimits(overrides: Partial<ReadLimits> = {}): ReadLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof ReadLimits, number | undefined]>) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** Bytes as a person reads them: "12 MB", "300 KB". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${+(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${+(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
