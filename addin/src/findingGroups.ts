// Findings grouped the way the task pane lists them: the plan's details first, then recommendation by recommendation.
import type { Finding } from '../../shared/findings';

export interface FindingGroup {
  recommendation: number | null;
  title: string;
  errors: number;
  warnings: number;
  findings: Finding[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function countsText(errors: number, warnings: number): string {
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

export function groupFindings(findings: Finding[]): FindingGroup[] {
  const groups = new Map<number | null, FindingGroup>();
  for (const f of findings) {
    const key = f.recommendation;
    let g = groups.get(key);
    if (!g) {
      g = { recommendation: key, title: key === null ? 'Plan details' : `Recommendation ${key}`, errors: 0, warnings: 0, findings: [] };
      groups.set(key, g);
    }
    g.findings.push(f);
    if (f.severity === 'error') g.errors++;
    else g.warnings++;
  }
  return [...groups.values()].sort((a, b) => (a.recommendation ?? 0) - (b.recommendation ?? 0));
}

/** One sentence for the live region after a check. */
export function checkSummary(findings: Finding[]): string {
  if (findings.length === 0) return 'Check complete: no problems found. The plan is ready to submit.';
  const errors = findings.filter((f) => f.severity === 'error').length;
  const groups = groupFindings(findings).length;
  return `Check complete: ${countsText(errors, findings.length - errors)} in ${plural(groups, 'part')} of the plan.`
    + (errors > 0 ? ' Errors must be fixed before the plan can be submitted.' : ' Warnings do not stop a submission.');
}
