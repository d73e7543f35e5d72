// Keys: long random secrets shown once, stored only as SHA-256 hashes, checked in constant time.
// A key reads as naome_<owner>_<secret>: the owner ('admin' or an ODS code) is there so a person can tell keys apart
// and so the check looks up one hash and compares it, rather than searching the table by a secret-derived value.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from './store/store';

export const ADMIN = 'admin';

export type Principal = { kind: 'admin' } | { kind: 'organisation'; code: string };

export const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export function newKey(owner: string): string {
  return `naome_${owner}_${randomBytes(32).toString('base64url')}`;
}

/** Issues a new key for the owner ('admin' or an ODS code); the old one stops working. Returns the key (show once). */
export function issueKey(store: Store, owner: string): string {
  const key = newKey(owner);
  store.replaceKey(owner, hashKey(key));
  return key;
}

/** Who a presented key belongs to, or null for a wrong, revoked or malformed key. */
export function authenticate(store: Store, presented: string): Principal | null {
  const m = /^naome_(admin|[A-Z0-9]{3,5})_[A-Za-z0-9_-]{43}$/.exec(presented);
  if (!m) return null;
  const owner = m[1]!;
  const stored = store.activeKeyHash(owner);
  if (!stored) return null;
  const a = Buffer.from(hashKey(presented), 'hex');
  const b = Buffer.from(stored, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return owner === ADMIN ? { kind: 'admin' } : { kind: 'organisation', code: owner };
}
