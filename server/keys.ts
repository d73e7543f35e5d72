// Keys: long random secrets shown once, stored only as SHA-256 hashes, checked in constant time.
// A key reads as naome_<owner>_<secret>: the owner ('admin' or an ODS code) is there so a person can tell keys apart
// and so the check looks up one hash and compares it, rather than searching the table by a secret-derived value.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from './store/types';

export const ADMIN = 'admin';

export type Principal = { kind: 'admin' } | { kind: 'organisation'; code: string };

export const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export function newKey(owner: string): string {
  return `naome_${owner}_${randomBytes(32).toString('base64url')}`;
}

/** Issues a new key for the owner ('admin' or an ODS code); the old one stops working. Returns the key (show once). */
export async function issueKey(store: Store, owner: string): Promise<string> {
  const key = newKey(owner);
  await store.replaceKey(owner, hashKey(key));
  return key;
}

/** Compared with when the owner has no key, so a wrong key costs the same whether or not its owner has one. */
const NO_KEY = Buffer.alloc(32);

/**
 * Who a presented key belongs to, or null for a wrong, revoked or malformed key. Every key presented is hashed and
 * compared in constant time, even a malformed one or one whose owner has no key: the time taken says nothing.
 */
export async function authenticate(store: Store, presented: string): Promise<Principal | null> {
  const m = /^naome_(admin|[A-Z0-9]{3,5})_[A-Za-z0-9_-]{43}$/.exec(presented);
  const owner = m?.[1];
  const stored = owner === undefined ? undefined : await store.activeKeyHash(owner);
  const a = createHash('sha256').update(presented.slice(0, 200), 'utf8').digest();
  const b = stored ? Buffer.from(stored, 'hex') : NO_KEY;
  const same = b.length === a.length && timingSafeEqual(a, b);
  if (!same || !stored || owner === undefined) return null;
  return owner === ADMIN ? { kind: 'admin' } : { kind: 'organisation', code: owner };
}
