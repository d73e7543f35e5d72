// The Summary sheet's figures: per nation and per recommendation, how many plans and actions, by status and priority,
// and how many actions are overdue. Status and priority are read with the shared keys, so "2", "2. Action in
// progress" and "action in progress" all count as code 2.
import type { Template } from '../../shared/template';
import type { Collator, CountedPlan } from './collator';
import { collatedAction } from './rows';

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

export interface SummaryLine {
  nation: string;
  /** Recommendation number, or null for all recommendations together. */
  recommendation: number | null;
  tally: Tally;
}

export const ALL_NATIONS = 'Total';

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
  private readonly template: Template;
  private readonly today: string;
  private readonly nations: string[];
  private readonly recs: Array<number | null>;
  private readonly tallies: Map<string, Map<number | null, Tally>>;

  constructor(collator: Collator) {
    const { template, today } = collator;
    this.template = template;
    this.today = today;
    this.nations = [...collator.nations(), ALL_NATIONS];
    this.recs = [...template.recommendations.map((r) => r.number), null];
    this.tallies = new Map(this.nations.map((n) => [n, new Map(this.recs.map((r) => [r, emptyTally(template)]))]));
  }

  add({ organisation, actions, errors }: CountedPlan): void {
    const { template, today, tallies } = this;
    const buckets = [tallies.get(organisation.nation), tallies.get(ALL_NATIONS)!].filter((b) => b !== undefined);
    const recsWithActions = new Set(actions.map((a) => a.recommendation));
    for (const bucket of buckets) {
      bucket.get(null)!.plans++;
      for (const r of recsWithActions) if (bucket.has(r)) bucket.get(r)!.plans++;
    }
    for (const action of actions) {
      // The same values the Actions sheet exports: a refused status, priority or deadline counts as outside the key.
      const { statusCode: code, priorityLabel: priority, overdue } = collatedAction(template, today, action, errors);
      for (const bucket of buckets) {
        for (const tally of [bucket.get(action.recommendation), bucket.get(null)!]) {
          if (!tally) continue;
          tally.actions++;
          tally.byStatus.set(code, tally.byStatus.get(code)! + 1);
          tally.byPriority.set(priority, tally.byPriority.get(priority)! + 1);
          if (overdue) tally.overdue++;
        }
      }
    }
  }

  lines(): SummaryLine[] {
    return this.nations.flatMap((nation) => this.recs.map((recommendation) => ({ nation, recommendation, tally: this.tallies.get(nation)!.get(recommendation)! })));
  }
}
