// Reads what a client sends to /api/validate and /api/submissions: a raw .xlsx body, a multipart form with a `file`
// field, or a plan as JSON. Every form is bounded by the same byte limit, and going over it is a clear 413.
import type { Request } from 'express';
import busboy from 'busboy';
import { withoutControls } from '../../shared/unsafeText';
import { HttpError } from './errors';

export type Upload =
  | { format: 'xlsx'; bytes: Buffer; fileName: string | null }
  | { format: 'json'; bytes: Buffer; fileName: null };

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** After the limit, keep reading (and discarding) this much more so the client can read our 413; then hang up. */
const DRAIN_BYTES = 64 * 1024 * 1024;

const tooLarge = (limit: number) =>
  new HttpError(413, 'TOO_LARGE', `The upload is larger than ${formatLimit(limit)}. A filled action plan is well under 1 MB: send the plan workbook itself, not a copy with other sheets or pictures.`);

function formatLimit(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** Throws away the rest of a request we have already answered, up to DRAIN_BYTES; past that, drops the connection. */
function drain(req: Request): void {
  let seen = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_BYTES) req.socket.destroy();
  });
  req.resume();
}

function readRaw(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain(req);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        drain(req);
        reject(tooLarge(limit));
        return;
      }
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

function readMultipart(req: Request, limit: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 40 } });
    } catch (err) {
      reject(new HttpError(400, 'BAD_MULTIPART', `The form could not be read: ${(err as Error).message}.`));
      return;
    }
    let upload: Upload | undefined;
    let failure: HttpError | undefined;
    let pending = 0;
    const finish = () => {
      if (pending > 0) return;
      req.off('data', overall);
      req.unpipe(bb);
      if (failure) { drain(req); reject(failure); }
      else if (!upload) reject(new HttpError(400, 'NO_FILE', 'The form has no file: send the workbook in a form field named "file".'));
      else resolve(upload);
    };
    bb.on('file', (name, stream, info) => {
      if (name !== 'file') { stream.resume(); return; }
      pending++;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => { failure = tooLarge(limit); });
      stream.on('end', () => {
        if (!failure) upload = { format: 'xlsx', bytes: Buffer.concat(chunks), fileName: safeFileName(info.filename) };
        pending--;
        if (closed) finish();
      });
    });
    let closed = false;
    bb.on('close', () => { closed = true; finish(); });
    bb.on('filesLimit', () => { failure ??= new HttpError(400, 'TOO_MANY_FILES', 'Send one workbook at a time.'); });
    bb.on('partsLimit', () => { failure ??= new HttpError(400, 'BAD_MULTIPART', 'The form has too many parts.'); });
    // busboy would read a huge form to its end, discarding it: cut it off once it is clearly over the limit.
    let total = 0;
    const overall = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit + 1024 * 1024 && !failure) {
        failure = tooLarge(limit);
        req.off('data', overall);
        req.unpipe(bb);
        drain(req);
        reject(failure);
      }
    };
    req.on('data', overall);
    bb.on('error', (err: Error) => {
      req.unpipe(bb);
      drain(req);
      reject(failure ?? new HttpError(400, 'BAD_MULTIPART', `The form could not be read: ${err.message}.`));
    });
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

/** Reads the upload in whichever form the Content-Type says. */
export async function readUpload(req: Request, limit: number): Promise<Upload> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') return readMultipart(req, limit);
  if (type === 'application/json') return { format: 'json', bytes: await readRaw(req, limit), fileName: null };
  if (type === XLSX_TYPE || type === 'application/octet-stream') {
    const header = req.headers['x-file-name'];
    let fileName: string | null = null;
    if (typeof header === 'string') {
      try { fileName = safeFileName(decodeURIComponent(header)); } catch { fileName = safeFileName(header); }
    }
    return { format: 'xlsx', bytes: await readRaw(req, limit), fileName };
  }
  drain(req);
  throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE',
    `Send the workbook as ${XLSX_TYPE} (or application/octet-stream), as multipart/form-data with a "file" field, or a plan as application/json` +
    (type ? `; "${type}" is none of these.` : '; the request has no Content-Type.'));
}
