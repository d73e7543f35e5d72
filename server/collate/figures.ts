// The round's figures as the dashboard on /admin draws them (GET /api/dashboard): tallied by the same SummaryTally,
// from the same counted plans, as the collation workbook's Summary and Organisations sheets, so a chart's table and
// the workbook cannot disagree. Only the returns over time are the dashboard's own (from when each organisation first
// returned).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { addDays, todayIso } from '../../shared/cells';
import { statusOption } from '../../shared/layout';
import { isExpected } from '../../shared/organisations';
import { sourceParts, type CollationSource } from './collator';
import { ALL_NATIONS, SummaryTally } from './summary';

export interface AreaFigures {
  area: string;
  kind: 'nation' | 'region' | 'total';
  expected: number;
  expectedReturned: number;
  notReturned: number;
  returned: number;
  valid: number;
  overdue: number;
  /** Overdue actions per recommendation, in template order. */
  overdueByRecommendation: number[];
}

export interface RecommendationFigures {
  recommendation: number;
  actions: number;
  /** Per Key 1 entry in key order, then "Status outside Key 1". */
  byStatus: Array<{ label: string; count: number }>;
  /** Per Key 2 entry in key order, then "Priority outside Key 2". */
  byPriority: Array<{ label: string; count: number }>;
  overdue: number;
}

export interface RoundFigures {
  today: string;
  deadline: string | null;
  organisations: number;
  expected: number;
  expectedReturned: number;
  notReturned: number;
  /** Plans returned by organisations not expected to return. */
  returnedNotExpected: number;
  /** Day by day, how many expected organisations had returned by the end of it (cumulative). */
  timeline: Array<{ day: string; returned: number | null }>;
  areas: AreaFigures[];
  recommendations: RecommendationFigures[];
  /** The organisations with the most overdue actions, most first (at most `TOP_OVERDUE`). */
  mostOverdue: Array<{ code: string; name: string; area: string; overdue: number }>;
}

export const TOP_OVERDUE = 10;
/** The timeline covers at most this many days (the last ones): a bounded answer whatever the dates. */
export const TIMELINE_DAYS = 400;

export const STATUS_OUTSIDE = 'Status outside Key 1';
export const PRIORITY_OUTSIDE = 'Priority outside Key 2';

/**
 * Reads every counted plan of `source` once (giving the event loop a turn every few plans) and returns the figures.
 * `firstReturns`: when each organisation first returned, for the returns over time.
 */
export async function roundFigures(source: CollationSource, firstReturns: Array<{ code: string; at: string }>, deadline: string | null): Promise<RoundFigures> {
  const { collator, plans } = sourceParts(source);
  const summary = new SummaryTally(collator);
  let n = 0;
  for await (const plan of plans) {
    summary.add(plan);
    if (++n % 20 === 0) await yieldToLoop();
  }
  const { template, today } = collator;
  const nations = new Set(collator.nations());
  const lines = summary.lines();
  const recNumbers = template.recommendations.map((r) => r.number);

  const areas: AreaFigures[] = [];
  for (const line of lines) {
    if (line.recommendation !== null) continue;
    const c = line.counts!;
    areas.push({
      area: line.nation,
      kind: line.nation === ALL_NATIONS ? 'total' : nations.has(line.nation) ? 'nation' : 'region',
      expected: c.expected,
      expectedReturned: c.expectedReturned,
      notReturned: c.expected - c.expectedReturned,
      returned: c.returned,
      valid: c.valid,
      overdue: line.tally.overdue,
      overdueByRecommendation: recNumbers.map((r) => lines.find((l) => l.nation === line.nation && l.recommendation === r)!.tally.overdue),
    });
  }

  const recommendations = lines
    .filter((l) => l.nation === ALL_NATIONS && l.recommendation !== null)
    .map((l): RecommendationFigures => ({
      recommendation: l.recommendation!,
      actions: l.tally.actions,
      byStatus: [
        ...template.statusKey.entries.map((e) => ({ label: statusOption(e.code, e.label), count: l.tally.byStatus.get(e.code)! })),
        { label: STATUS_OUTSIDE, count: l.tally.byStatus.get(null)! },
      ],
      byPriority: [
        ...template.priorityKey.entries.map((e) => ({ label: e.label, count: l.tally.byPriority.get(e.label)! })),
        { label: PRIORITY_OUTSIDE, count: l.tally.byPriority.get(null)! },
      ],
      overdue: l.tally.overdue,
    }));

  const byCode = new Map(collator.organisations.map((o) => [o.code, o]));
  const mostOverdue = [...summary.overdueByOrganisation]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_OVERDUE)
    .map(([code, overdue]) => {
      const o = byCode.get(code);
      return { code, name: o?.name ?? code, area: o ? (o.region ? `${o.nation}: ${o.region}` : o.nation) : '', overdue };
    });

  const total = areas.find((a) => a.kind === 'total')!;
  const expectedCodes = new Set(collator.organisations.filter(isExpected).map((o) => o.code));
  return {
    today,
    deadline,
    organisations: collator.organisations.length,
    expected: total.expected,
    expectedReturned: total.expectedReturned,
    notReturned: total.notReturned,
    returnedNotExpected: total.returned - total.expectedReturned,
    timeline: timeline(firstReturns.filter((f) => expectedCodes.has(f.code)), today, deadline),
    areas,
    recommendations,
    mostOverdue,
  };
}

/**
 * Cumulative returns of expected organisations per UK day, from the first return (or a week before the deadline) to
 * the later of today and the deadline, at most TIMELINE_DAYS days.
 */
function timeline(firstReturns: Array<{ code: string; at: string }>, today: string, deadline: string | null): Array<{ day: string; returned: number | null }> {
  const perDay = new Map<string, number>();
  for (const f of firstReturns) {
    const day = todayIso(new Date(f.at));
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const days = [...perDay.keys()].sort();
  let first = [days[0] ?? today, deadline ? addDays(deadline, -7) : today, today].sort()[0]!;
  let last = [today, deadline ?? today].sort()[1]!;
  // Too long a span: keep today in it, with as much of the way to a distant deadline as fits, else the latest days.
  if (last > addDays(first, TIMELINE_DAYS - 1)) last = [today, addDays(first, TIMELINE_DAYS - 1)].sort()[1]!;
  if (first < addDays(last, -(TIMELINE_DAYS - 1))) first = addDays(last, -(TIMELINE_DAYS - 1));
  // Returns before the window count from its first day.
  let returned = days.filter((d) => d < first).reduce((sum, d) => sum + perDay.get(d)!, 0);
  const out: Array<{ day: string; returned: number | null }> = [];
  for (let day = first; day <= last; day = addDays(day, 1)) {
    returned += perDay.get(day) ?? 0;
    out.push({ day, returned: day <= today ? returned : null }); // the days still to come have no figure yet
  }
  return out;
}
