// The national rules for a local action plan, run identically by the add-in, the service and the command line.
import type { Finding, ValidationResult } from './findings';
import type { Organisation } from './organisations';
import type { Plan } from './plan';
import type { Template } from './template';

export interface CheckContext {
  template: Template;
  organisations: Organisation[];
  /** Today's date, ISO yyyy-mm-dd (passed in so checks are repeatable). */
  today: string;
}

/** Every finding about a plan's content, in sheet order. */
export function checkPlan(plan: Plan, ctx: CheckContext): Finding[] {
  void plan; void ctx;
  throw new Error('not built yet');
}

/** The validate result for a plan (file: the file name, or null for a plan sent as JSON). */
export function validatePlan(plan: Plan, ctx: CheckContext, file: string | null = null): ValidationResult {
  void plan; void ctx; void file;
  throw new Error('not built yet');
}
