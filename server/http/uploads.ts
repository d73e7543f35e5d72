// Reads what a client sends to /api/validate and /api/submissions: a raw .xlsx body, a multipart form with a `file`
// field, or a plan as JSON. Every form is bounded by the same byte limit, and going over it is a clear 413.
import type { Request, Response } from 'express';
import busboy from 'busboy';
import { withoutControls } from '../../shared/unsafeText';
import { clientGone } from './check';
import { HttpError } from './errors';
import { JsonDepthScan } from './jsonDepth';

export type Upload =
  | { format: 'xlsx'; bytes: Buffer; fileName: string | null }
  | { format: 'json'; bytes: Buffer; fileName: null };

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** After refusing a body, read (and discard) at most this much more, for this long, so the client can read our answer; then hang up. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5_000;
/** What a multipart form may add around its file (boundaries, headers, small fields). */
const FORM_OVERHEAD_BYTES = 64 * 1024;

const tooLarge = (limit: number) =>
  new HttpError(413, 'TOO_LARGE', `The upload is larger than ${formatLimit(limit)}. A filled action plan is well under 1 MB: send the plan workbook itself, not a copy with other sheets or pictures.`, { Connection: 'close' });

const noRoom = () =>
  new HttpError(503, 'BUSY', 'The service is receiving many uploads right now and has no room for another. Try again in a minute.', { 'Retry-After': '30', Connection: 'close' });

function formatLimit(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/**
 * The bytes of uploads all requests together hold in memory: each request takes its share as its body arrives and
 * gives it back when its response closes (sent, or the client gone). Past the budget an upload is refused at once
 * with a 503, rather than the process growing until it is killed.
 */
export class MemoryBudget {
  used = 0;
  constructor(readonly limit: number) {}

  /** A taker for one request: take(n) is false when n more bytes would pass the budget. All is given back on close. */
  forRequest(res: Response): (n: number) => boolean {
    let held = 0;
    res.once('close', () => { this.used -= held; held = 0; });
    return (n) => {
      if (this.used + n > this.limit) return false;
      this.used += n;
      held += n;
      return true;
    };
  }
}

/**
 * Throws away the rest of a request we have refused, up to DRAIN_BYTES or DRAIN_MS; past that, drops the connection.
 * Node closes a `Connection: close` answer's socket as soon as the answer is written: a client still sending its body
 * then gets a reset (EPIPE), and the reset discards the answer it had not read yet. So until the body has been read,
 * the socket is only half-closed (the answer and a FIN go out, the rest of the body is still read); closed after.
 */
function drain(req: Request): void {
  if (req.readableEnded) return; // nothing left to read
  const socket = req.socket;
  let seen = 0;
  let bodyDone = false;
  const closeWhenAnswered = socket.destroySoon;
  socket.destroySoon = function (this: typeof socket) {
    if (bodyDone) return closeWhenAnswered.call(this);
    if (this.writable) this.end();
  };
  req.removeAllListeners('data');
  const cut = setTimeout(() => socket.destroy(), DRAIN_MS);
  cut.unref();
  req.once('end', () => {
    bodyDone = true;
    clearTimeout(cut);
    // Answered already (half-closed above): close now. Else the answer is still to come, and closes as usual.
    if (socket.writableEnded) socket.destroy();
  });
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_BYTES) socket.destroy();
  });
  req.resume();
}

/** Refuses before reading a byte when the declared length is over the limit or cannot be held. */
function precheck(req: Request, limit: number, take: (n: number) => boolean): void {
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared)) return;
  if (declared > limit) { drain(req); throw tooLarge(limit); }
  if (!take(declared)) { drain(req); throw noRoom(); }
}

/** `refuse` looks at each chunk as it arrives and names what is wrong with the body so far, if anything. */
function readRaw(req: Request, limit: number, take: (n: number) => boolean, refuse?: (chunk: Buffer) => HttpError | null): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  // The declared length was taken from the budget in precheck; a body sent without one takes as it arrives.
  const reserved = Number.isFinite(declared);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: HttpError) => { cleanup(); drain(req); reject(err); };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      if (!reserved && !take(chunk.length)) return fail(noRoom());
      const wrong = refuse?.(chunk);
      if (wrong) return fail(wrong);
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks, size)); };
    const onError = (err: Error) => { cleanup(); reject(new HttpError(400, 'BAD_REQUEST', `The upload was interrupted: ${err.message}`)); };
    const cleanup = () => { req.off('data', onData); req.off('end', onEnd); req.off('error', onError); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function readMultipart(req: Request, limit: number, take: (n: number) => boolean): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 40 } });
    } catch (err) {
      reject(new HttpError(400, 'BAD_MULTIPART', `The form could not be read: ${(err as Error).message}.`));
      return;
    }
    let upload: Upload | undefined;
    let failed = false;
    let pending = 0;
    let closed = false;
    /** Stops reading the form at once: the answer goes out while the rest of the body is drained or cut off. */
    const fail = (err: HttpError) => {
      if (failed) return;
      failed = true;
      req.off('data', overall);
      req.unpipe(bb);
      bb.removeAllListeners('file');
      drain(req);
      reject(err);
    };
    const finish = () => {
      if (pending > 0 || failed) return;
      req.off('data', overall);
      req.unpipe(bb);
      if (!upload) reject(new HttpError(400, 'NO_FILE', 'The form has no file: send the workbook in a form field named "file".'));
      else resolve(upload);
    };
    bb.on('file', (name, stream, info) => {
      if (name !== 'file') { stream.resume(); return; }
      pending++;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        if (failed) return;
        if (!take(c.length)) return fail(noRoom());
        chunks.push(c);
      });
      stream.on('limit', () => fail(tooLarge(limit)));
      stream.on('end', () => {
        if (!failed) upload = { format: 'xlsx', bytes: Buffer.concat(chunks), fileName: safeFileName(info.filename) };
        pending--;
        if (closed) finish();
      });
    });
    bb.on('close', () => { closed = true; finish(); });
    bb.on('filesLimit', () => fail(new HttpError(400, 'TOO_MANY_FILES', 'Send one workbook at a time.', { Connection: 'close' })));
    bb.on('partsLimit', () => fail(new HttpError(400, 'BAD_MULTIPART', 'The form has too many parts.', { Connection: 'close' })));
    // Parts other than the file are skipped by busboy without a size limit of their own: the whole form is bounded too.
    let total = 0;
    const overall = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit + FORM_OVERHEAD_BYTES) fail(tooLarge(limit));
    };
    req.on('data', overall);
    // A client that hangs up mid-form: settle at once, so nothing waits on a body that will never end (its share of
    // the budget is given back when its response closes, the same moment).
    req.once('close', () => { if (!req.complete) fail(clientGone()); });
    bb.on('error', (err: Error) => fail(new HttpError(400, 'BAD_MULTIPART', `The form could not be read: ${err.message}.`, { Connection: 'close' })));
    req.pipe(bb);
  });
}

/**
 * The uploader's file name, kept only as metadata (downloads are named by us): no path, no control or bidi characters
 * (a U+202E could make "invoice\u202Eslx.exe" show as "invoiceexe.xlsx"), bounded.
 */
export function safeFileName(name: string | undefined | null): string | null {
  if (!name) return null;
  const base = withoutControls(name.split(/[\\/]/).pop()!).trim().slice(0, 200);
  return base || null;
}

export interface UploadLimits {
  maxUploadBytes: number;
  maxJsonBytes: number;
  maxJsonDepth: number;
  maxJsonKeys: number;
}

/**
 * Reads the upload in whichever form the Content-Type says, refusing it (413) as soon as it passes its limit and
 * (503) when the bytes all uploads hold together would pass the memory budget.
 */
export async function readUpload(req: Request, res: Response, limits: UploadLimits, budget: MemoryBudget): Promise<Upload> {
  const take = budget.forRequest(res);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    precheck(req, limits.maxUploadBytes + FORM_OVERHEAD_BYTES, () => true);
    return readMultipart(req, limits.maxUploadBytes, take);
  }
  if (type === 'application/json') {
    precheck(req, limits.maxJsonBytes, take);
    // Nesting and keys are checked as the body arrives: "[[[[…" is refused at its first chunk, never buffered whole.
    const scan = new JsonDepthScan(limits.maxJsonDepth, limits.maxJsonKeys);
    const bytes = await readRaw(req, limits.maxJsonBytes, take, (chunk) => (scan.push(chunk) ? null : scan.error()));
    return { format: 'json', bytes, fileName: null };
  }
  if (type === XLSX_TYPE || type === 'application/octet-stream') {
    const header = req.headers['x-file-name'];
    let fileName: string | null = null;
    if (typeof header === 'string') {
      try { fileName = safeFileName(decodeURIComponent(header)); } catch { fileName = safeFileName(header); }
    }
    precheck(req, limits.maxUploadBytes, take);
    return { format: 'xlsx', bytes: await readRaw(req, limits.maxUploadBytes, take), fileName };
  }
  drain(req);
  throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE',
    `Send the workbook as ${XLSX_TYPE} (or application/octet-stream), as multipart/form-data with a "file" field, or a plan as application/json` +
    (type ? `; "${type}" is none of these.` : '; the request has no Content-Type.'), { Connection: 'close' });
}
