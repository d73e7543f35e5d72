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
  // A plan has about 1,000 cells and a few hundred strings; 50,000 bounds the worst legal check to ~0.25 s.
  maxCells: 50_000,
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

// ── the service's limits ─────────────────────────────────────────────────────────────────────────────────────────────
// Everything one client can make the service hold or do is bounded here: bytes buffered, checks queued, connections,
// time to send headers, requests per minute, versions stored per day. Each applies per process (see docs/api.md).
export interface ServiceLimits {
  /** Largest workbook upload (raw body or multipart file), bytes. */
  maxUploadBytes: number;
  /** Largest JSON body (a plan as the add-in sends it is ~50 KB), bytes. */
  maxJsonBytes: number;
  /** Nesting of a JSON body, checked by a linear scan before it is parsed (a plan nests 4 deep). */
  maxJsonDepth: number;
  /** Keys in any one object of a JSON body, counted by the same scan (a plan's largest object has 11). */
  maxJsonKeys: number;
  /** Bytes of uploads all requests together may hold in memory (reading, queued or being checked); beyond it, 503. */
  uploadMemoryBytes: number;
  /** Workbook checks waiting for a worker: at most this many, holding at most maxQueuedBytes, and maxQueuedPerClient from one address. */
  maxQueued: number;
  maxQueuedBytes: number;
  maxQueuedPerClient: number;
  /** Rate-limit window, ms. */
  windowMs: number;
  /** Requests per window from one client address without a key (validate, template, organisations). */
  perClient: number;
  /** Requests per window to /api/health from one client address (its own bucket: monitoring is never starved). */
  healthPerClient: number;
  /** Requests per window with one working key. */
  perKey: number;
  /** Requests per window from one address that present a key that does not work. */
  badKeysPerClient: number;
  /** Versions one organisation may store in 24 hours, and bytes of uploads. */
  quotaVersionsPerDay: number;
  quotaBytesPerDay: number;
  /**
   * Wall-clock limit on reading one workbook, ms. A plan reads in ~4 ms on an idle core; the reader's own guard stops
   * bombs by size long before this. Generous, so an honest plan is never refused because the machine is busy.
   */
  readTimeoutMs: number;
  /** Open connections in all, and from one address. */
  maxConnections: number;
  maxConnectionsPerClient: number;
  /** Time to finish a TLS handshake, to send the request headers, and the whole request, ms. */
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** /api/health's storage check is repeated at most this often, ms. */
  healthCacheMs: number;
}

export const DEFAULT_SERVICE_LIMITS: Readonly<ServiceLimits> = Object.freeze({
  maxUploadBytes: 10 * 1024 * 1024,
  maxJsonBytes: 2 * 1024 * 1024,
  maxJsonDepth: 16,
  maxJsonKeys: 100,
  uploadMemoryBytes: 256 * 1024 * 1024,
  maxQueued: 200,
  maxQueuedBytes: 128 * 1024 * 1024,
  maxQueuedPerClient: 8,
  windowMs: 60_000,
  perClient: 3000,
  healthPerClient: 6000,
  perKey: 1200,
  badKeysPerClient: 300,
  quotaVersionsPerDay: 200,
  quotaBytesPerDay: 200 * 1024 * 1024,
  readTimeoutMs: 15_000,
  maxConnections: 2000,
  maxConnectionsPerClient: 200,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  // A 10 MB upload over a slow 5 Mbit/s line takes ~17 s: room for it, no more.
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  healthCacheMs: 1_000,
});
