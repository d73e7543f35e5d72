// The national collation from the service's store (either engine): each organisation's latest version is read,
// written out and dropped in turn, in one pass that also gives the Changes sheet each latest version against the one
// before it. Used by the service's /api/collation.* and by `naome collate --from-database`.
import type { Organisation } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import { planOf, storedOf } from '../store/rows';
import type { Review, Store, StoredSubmission } from '../store/types';
import { Collator, type CollationSource, type CountedPlan, type LatestVersion } from './collator';

export interface StoreCollatorOptions {
  /** The round's organisations, each with its expected flag: only expected organisations are "not returned". */
  organisations: Organisation[];
  /** Each organisation's latest review (the Organisations sheet); none: no review columns. */
  reviews?: Map<string, Review>;
  today: string;
  template: Template;
}

/** A collator for the store's latest versions: they come once each, in code order, so it keeps no actions. */
export function storeCollator({ organisations, reviews, today, template }: StoreCollatorOptions): Collator {
  return new Collator({
    organisations, today, template, keepActions: false,
    reviews: reviews && ((code) => {
      const r = reviews.get(code);
      return r ? { state: r.state, comment: r.comment, reviewer: r.reviewer, reviewedAt: new Date(r.reviewedAt) } : null;
    }),
  });
}

/** Adds a stored latest version to the collator; returns its plan when it counts. */
export function addStored(collator: Collator, s: StoredSubmission): CountedPlan | null {
  const { id, version, receivedAt } = s.receipt;
  return collator.add({ source: `submission ${id} (v${version})`, submittedAt: new Date(receivedAt), result: s.result, plan: s.plan });
}

export async function storeCollation(store: Store, opts: { today: string; template: Template }): Promise<Exclude<CollationSource, Collator>> {
  const [reviews, organisations] = await Promise.all([store.latestReviews(), store.round.organisations()]);
  const collator = storeCollator({ organisations, reviews, ...opts });
  async function* versions(changes: boolean): AsyncGenerator<LatestVersion> {
    // The version before each latest is read in the same pass, only its plan parsed.
    for await (const row of store.eachLatestSubmissionRow({ previous: changes })) {
      const s = storedOf(row);
      const { version, organisation } = s.receipt;
      const plan = addStored(collator, s);
      const before = row.previous_plan_json ? planOf(row.previous_plan_json) : null;
      yield { plan, change: before ? { organisation, previous: { version: version - 1, plan: before }, latest: { version, plan: s.plan } } : null };
    }
  }
  async function* plans() {
    for await (const { plan } of versions(false)) if (plan) yield plan;
  }
  return { collator, plans: plans(), versions: () => versions(true) };
}
