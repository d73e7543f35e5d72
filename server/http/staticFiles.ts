// Static files (the pages, their scripts, the built add-in, Office.js) served compressed and revalidated cheaply: each
// file is read and compressed once (brotli and gzip, with Node's zlib, off the event loop) and kept while its
// modification time is unchanged; a client gets the smallest encoding it accepts, with an ETag and Last-Modified
// so its next visit is a 304 with no body. Only files inside the folder given are served; dot-files never.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Text-like files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.xml', '.txt', '.map']);
/** Below this, compression saves less than its headers cost. */
const MIN_COMPRESS = 1024;

type Encoding = 'br' | 'gzip' | 'identity';

interface Cached {
  mtimeMs: number;
  size: number;
  lastModified: string;
  etag: string;
  bodies: Promise<Partial<Record<Encoding, Buffer>>>;
}

/** The encodings a client accepts, best first (brotli, then gzip, then none), from its Accept-Encoding header. */
export function acceptedEncodings(header: string | undefined): Encoding[] {
  const q = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    q.set(name, qp ? Number(qp.slice(2)) || 0 : 1);
  }
  const ok = (e: string) => (q.get(e) ?? q.get('*') ?? 0) > 0;
  const out: Encoding[] = [];
  if (ok('br')) out.push('br');
  if (ok('gzip')) out.push('gzip');
  if (q.get('identity') !== 0 || !q.has('identity')) out.push('identity');
  return out;
}

export class StaticFiles {
  private readonly cache = new Map<string, Cached>();

  /** Serves the files under `dir` (e.g. app.use('/assets', files.folder(dir))); passes on what is not there. */
  folder(dir: string) {
    const root = resolve(dir);
    return (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      let path: string;
      try {
        path = decodeURIComponent(req.path);
      } catch {
        return next();
      }
      const file = resolve(root, `.${path}`);
      if (!file.startsWith(root + sep) || path.split('/').some((p) => p.startsWith('.')) || path.includes('\0')) return next();
      this.send(file, req, res, next).catch(next);
    };
  }

  /** Serves one file (a page) at a route; `transform` (e.g. putting in the shared header) applies as it is read. */
  file(path: string, transform?: (bytes: Buffer) => Buffer) {
    return (req: Request, res: Response, next: NextFunction) => { this.send(path, req, res, next, transform).catch(next); };
  }

  private async send(file: string, req: Request, res: Response, next: NextFunction, transform?: (bytes: Buffer) => Buffer): Promise<void> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return next();
    let entry = this.cache.get(file);
    if (!entry || entry.mtimeMs !== info.mtimeMs || entry.size !== info.size) {
      const bytes = readFile(file).then((b) => (transform ? transform(b) : b));
      const tag = bytes.then((b) => createHash('sha256').update(b).digest('base64url').slice(0, 27));
      entry = {
        mtimeMs: info.mtimeMs,
        size: info.size,
        lastModified: info.mtime.toUTCString(),
        etag: await tag,
        bodies: bytes.then((b) => compressed(b, extname(file).toLowerCase())),
      };
      entry.bodies.catch(() => this.cache.delete(file));
      this.cache.set(file, entry);
    }
    const bodies = await entry.bodies;
    const encoding = acceptedEncodings(req.headers['accept-encoding']).find((e) => bodies[e]) ?? 'identity';
    const body = bodies[encoding]!;
    // A distinct ETag per encoding: the representations differ byte for byte.
    const etag = `"${entry.etag}${encoding === 'identity' ? '' : `-${encoding}`}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', entry.lastModified);
    // Always revalidate (file names carry no version), which a 304 makes cheap.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    res.type(extname(file) || 'application/octet-stream');
    const match = req.headers['if-none-match'];
    const since = req.headers['if-modified-since'];
    const fresh = match !== undefined
      ? match.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')
      : since !== undefined && Date.parse(since) >= Math.floor(entry.mtimeMs / 1000) * 1000;
    if (fresh) {
      res.status(304).end();
      return;
    }
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.status(200);
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  }
}

async function compressed(bytes: Buffer, ext: string): Promise<Partial<Record<Encoding, Buffer>>> {
  if (!COMPRESSIBLE.has(ext) || bytes.length < MIN_COMPRESS) return { identity: bytes };
  const [br, gz] = await Promise.all([
    brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
    gzipped(bytes, { level: 9 }),
  ]);
  return { identity: bytes, ...(br.length < bytes.length ? { br } : {}), ...(gz.length < bytes.length ? { gzip: gz } : {}) };
}
