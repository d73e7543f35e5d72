// Bearer-key checks. 401 when there is no working key (missing, wrong, revoked: all look the same, so nothing is
// learnt by guessing); 403 when the key works but is the wrong kind for the endpoint.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticate, type Principal } from '../keys';
import type { Store } from '../store/types';
import { HttpError } from './errors';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
  }
}

const unauthorised = () =>
  new HttpError(401, 'UNAUTHORISED', 'This key was not accepted. Check that you copied all of it; if it still fails, it may have been replaced or revoked: ask the national team for a new key.', {
    'WWW-Authenticate': 'Bearer realm="naome"',
  });

export function principalOf(res: Response): Principal {
  return res.locals.principal!;
}

/** The logged owner of a request (an ODS code or "admin"), never the key. */
export function ownerOf(res: Response): string | undefined {
  const p = res.locals.principal;
  return p ? (p.kind === 'admin' ? 'admin' : p.code) : undefined;
}

/**
 * Any working key (organisation or admin). A request without a working key is counted by `failures` (a rate limit per
 * client address) before its 401, so guessing keys is slow, while working keys are limited per key elsewhere.
 */
export function requireKey(store: Store, failures?: RequestHandler): RequestHandler {
  // Express 5 passes a rejected promise (a storage failure) to the error handler.
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = await authenticate(store, m ? m[1]! : '');
    if (!principal) return failures ? failures(req, res, () => next(unauthorised())) : next(unauthorised());
    res.locals.principal = principal;
    next();
  };
}

export function adminOnly(_req: Request, res: Response, next: NextFunction): void {
  if (res.locals.principal?.kind !== 'admin') {
    return next(new HttpError(403, 'ADMIN_ONLY', 'This needs the admin key; an organisation key cannot do it.'));
  }
  next();
}

export function organisationOnly(_req: Request, res: Response, next: NextFunction): void {
  if (res.locals.principal?.kind !== 'organisation') {
    return next(new HttpError(403, 'ORGANISATION_ONLY', "Submit with the organisation's own key; the admin key cannot submit a plan."));
  }
  next();
}
