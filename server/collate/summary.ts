// The Summary sheet's figures: per nation, NHS England region and recommendation, how many plans and actions, by status
// and priority, and how many actions are overdue; per area, how many organisations are expected to return and how
// many of those have (the dashboard on /admin shows these same figures, server/collate/figures.ts). Status and priority are read with the shared keys, so "2", "2. Action in
// progress" and "action in progress" all count as code 2.
import { isExpected, type Organisation } from '../../shared/organisations';
import type { Template } from '../../shared/template';
import type { Collator, CountedPlan } from './collator';
import { collatedActions } from './rows';

export interface Tally {
  /** Counted plans with at least one action here (for the "all recommendations" line: every counted plan). */
  plans: number;
  actions: number;
  /** Actions per Key 1 code, in key order; `null` key: status outside Key 1 or blank. */
  byStatus: Map<number | null, number>;
  /** Actions per Key 2 label, in key order; `null` key: priority outside Key 2 or blank. */
  byPriority: Map<string | null, number>;
  overdue: number;
}

/** Organisations of an area: expected to return, and of those how many have; plans counted, and how many valid. */
export interface AreaCounts {
  expected: number;
  expectedReturned: number;
  returned: number;
  valid: number;
}

export interface SummaryLine {
  /** A nation ("England"), an NHS England region ("England: London") or ALL_NATIONS. */
  nation: string;
  /** Recommendation number, or null for all recommendations together. */
  recommendation: number | null;
  tally: Tally;
  /** On the "all recommendations" line only. */
  counts: AreaCounts | null;
}

export const ALL_NATIONS = 'Total';

/** The areas an organisation counts in, besides Total: its nation, and its NHS England region when it has one. */
export function areasOf(o: Organisation): string[] {
  const out: string[] = [];
  if (o.nation) out.push(o.nation);
  if (o.nation && o.region) out.push(regionArea(o));
  return out;
}
export const regionArea = (o: Organisation) => `${o.nation}: ${o.region}`;

function emptyTally(template: Template): Tally {
  return {
    plans: 0,
    actions: 0,
    byStatus: new Map<number | null, number>([...template.statusKey.entries.map((e) => [e.code, 0] as const), [null, 0]]),
    byPriority: new Map<string | null, number>([...template.priorityKey.entries.map((e) => [e.label, 0] as const), [null, 0]]),
    overdue: 0,
  };
}

/**
 * The Summary's tallies, fed one counted plan at a time as the plans are written out (so no plan is held for it):
 * one line per nation of the organisations list and recommendation, then a line for all recommendations; then the
 * same for all nations together (which also holds plans of organisations whose nation is not known).
 */
export class SummaryTally {
  private readonly nations: string[];
  private readonly recs: Array<number | null>;
  private readonly tallies: Map<string, Map<number | null, Tally>>;
  private readonly counts: Map<string, AreaCounts>;
  private readonly collator: Collator;
  /** Overdue actions per organisation with any (ODS code → count). */
  readonly overdueByOrganisation = new Map<string, number>();

  constructor(collator: Collator) {
    const { template } = collator;
    this.collator = collator;
    // Nations, then each nation's regions, then Total.
    const regions = [...new Set(collator.organisations.filter((o) => o.nation && o.region).map(regionArea))].sort();
    this.nations = [...collator.nations(), ...regions, ALL_NATIONS];
    this.recs = [...template.recommendations.map((r) => r.number), null];
    this.tallies = new Map(this.nations.map((n) => [n, new Map(this.recs.map((r) => [r, emptyTally(template)]))]));
    this.counts = new Map(this.nations.map((n) => [n, { expected: 0, expectedReturned: 0, returned: 0, valid: 0 }]));
    for (const o of collator.organisations) {
      if (!isExpected(o)) continue;
      for (const area of [...areasOf(o), ALL_NATIONS]) {
        const c = this.counts.get(area);
        if (c) c.expected++;
      }
    }
  }

  /** `collated`: the plan's actions as collatedActions() reads them, when the caller has them already. */
  add(plan: CountedPlan, collated = collatedActions(this.collator, plan)): void {
    const { organisation, actions, entry } = plan;
    const { tallies } = this;
    const areas = [...areasOf(organisation), ALL_NATIONS];
    for (const area of areas) {
      const c = this.counts.get(area);
      if (!c) continue;
      c.returned++;
      if (entry.valid) c.valid++;
      if (this.collator.isExpectedCode(organisation.code)) c.expectedReturned++;
    }
    const buckets = areas.map((a) => tallies.get(a)).filter((b) => b !== undefined);
    const recsWithActions = new Set(actions.map((a) => a.recommendation));
    for (const bucket of buckets) {
      bucket.get(null)!.plans++;
      for (const r of recsWithActions) if (bucket.has(r)) bucket.get(r)!.plans++;
    }
    for (const [i, action] of actions.entries()) {
      // The same values the Actions sheet exports: a refused status, priority or deadline counts as outside the key.
      const { statusCode: code, priorityLabel: priority, overdue } = collated[i]!;
      for (const bucket of buckets) {
        for (const tally of [bucket.get(action.recommendation), bucket.get(null)!]) {
          if (!tally) continue;
          tally.actions++;
          tally.byStatus.set(code, tally.byStatus.get(code)! + 1);
          tally.byPriority.set(priority, tally.byPriority.get(priority)! + 1);
          if (overdue) tally.overdue++;
        }
      }
      if (overdue) this.overdueByOrganisation.set(organisation.code, (this.overdueByOrganisation.get(organisation.code) ?? 0) + 1);
    }
  }

  lines(): SummaryLine[] {
    return this.nations.flatMap((nation) => this.recs.map((recommendation) => ({
      nation, recommendation, tally: this.tallies.get(nation)!.get(recommendation)!,
      counts: recommendation === null ? this.counts.get(nation)! : null,
    })));
  }
}
