// One shape for every error the API returns: { error: { code, message } }, the message saying what to do.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Last handler: known errors keep their status; body-parser style errors keep theirs; the store's failures (as its
 * engine's `storageErrorText` reads them) are 503; anything else is a 500.
 */
export function errorHandler(logger: Logger, storageErrorText: (err: unknown) => string | null): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError) {
      res.set(err.headers);
      return sendError(res, err.status, err.code, err.message);
    }
    const storage = storageErrorText(err);
    if (storage) {
      logger.error({ err: { type: err?.name, code: err?.code } }, 'storage failed');
      res.set('Retry-After', '60');
      return sendError(res, 503, 'STORAGE_UNAVAILABLE', `Nothing was stored: ${storage}. Try again later; if it keeps happening, tell the national team.`);
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 413) return sendError(res, 413, 'TOO_LARGE', 'The request body is too large.');
    if (status < 500) return sendError(res, status, 'BAD_REQUEST', 'The request could not be read.');
    // The message may hold request data: log only the error's kind and stack frames' first line.
    logger.error({ err: { type: err?.name, message: String(err?.message ?? err).slice(0, 200) } }, 'unhandled error');
    sendError(res, 500, 'INTERNAL', 'Something went wrong on the server. Try again; if it keeps happening, tell the national team.');
  };
}
