// The national collation from the service's store (either engine): each organisation's latest version is read,
// written out and dropped in turn, in one pass that also gives the Changes sheet each latest version against the one
// before it. Used by the service's /api/collation.* and by `naome collate --from-database`.
import type { Template } from '../../shared/template';
import type { Store } from '../store/types';
import { Collator, type CollationSource, type LatestVersion } from './collator';

export async function storeCollation(store: Store, opts: { today: string; template: Template }): Promise<Exclude<CollationSource, Collator>> {
  const [reviews, organisations] = await Promise.all([store.latestReviews(), store.round.organisations()]);
  const collator = new Collator({
    // With each organisation's expected flag: only expected organisations are "not returned".
    organisations, today: opts.today, template: opts.template, keepActions: false,
    reviews: (code) => {
      const r = reviews.get(code);
      return r ? { state: r.state, comment: r.comment, reviewer: r.reviewer, reviewedAt: new Date(r.reviewedAt) } : null;
    },
  });
  async function* versions(changes: boolean): AsyncGenerator<LatestVersion> {
    for await (const s of store.eachLatestSubmission()) {
      const { id, version, organisation, receivedAt } = s.receipt;
      const plan = collator.add({ source: `submission ${id} (v${version})`, submittedAt: new Date(receivedAt), result: s.result, plan: s.plan });
      const before = changes && version > 1 ? await store.submissionByVersion(organisation.code, version - 1) : undefined;
      yield { plan, change: before ? { organisation, previous: { version: version - 1, plan: before.plan }, latest: { version, plan: s.plan } } : null };
    }
  }
  async function* plans() {
    for await (const { plan } of versions(false)) if (plan) yield plan;
  }
  return { collator, plans: plans(), versions: () => versions(true) };
}
