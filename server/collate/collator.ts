// Gathers returned plans one at a time for the national collation. It keeps only what the outputs need: the newest
// plan of each organisation (its action rows), one small record per entry and its findings — never a workbook — so
// collating 2,000 files costs little more memory than collating 20.
import type { Organisation } from '../../shared/organisations';
import { organisationOf } from '../../shared/rules';
import type { Finding, ValidationResult } from '../../shared/findings';
import type { Plan, PlanAction } from '../../shared/plan';
import { currentTemplate, type Template } from '../../shared/template';

export interface CollationEntry {
  /** A file path (CLI) or a name such as 'submission 12 (v2)' (service). */
  source: string;
  /** File mtime for the CLI, received time for the service: the newest plan of an organisation counts. */
  submittedAt: Date;
  result: ValidationResult;
  plan: Plan | null;
}

export interface CollatorOptions {
  organisations: Organisation[];
  /** ISO yyyy-mm-dd: actions with a deadline before it, not yet implemented, are overdue. */
  today: string;
  /** Whose keys (status, priority) and recommendations the summary uses; default the current template. */
  template?: Template;
}

/** What happened to one entry: its plan counts, a newer one replaced it, it held no plan, or no known organisation. */
export type EntryState = 'counted' | 'superseded' | 'no plan' | 'organisation not identified';

/** One entry as the outputs remember it. */
export interface EntryRecord {
  seq: number;
  source: string;
  submittedAt: Date;
  /** ODS code, or null when the entry cannot be put down to an organisation. */
  code: string | null;
  hasPlan: boolean;
  valid: boolean;
  errors: number;
  warnings: number;
  findings: Finding[];
}

/** The plan that counts for one organisation. */
export interface CountedPlan {
  organisation: Organisation;
  entry: EntryRecord;
  actions: PlanAction[];
}

export class Collator {
  readonly organisations: Organisation[];
  readonly today: string;
  readonly template: Template;
  private readonly byCode: Map<string, Organisation>;
  private readonly entryList: EntryRecord[] = [];
  private readonly newest = new Map<string, CountedPlan>();
  /** Organisations met in entries but missing from the list (e.g. the list was replaced after they submitted). */
  private readonly extra = new Map<string, Organisation>();

  constructor(opts: CollatorOptions) {
    this.organisations = opts.organisations;
    this.today = opts.today;
    this.template = opts.template ?? currentTemplate;
    this.byCode = new Map(opts.organisations.map((o) => [o.code, o]));
  }

  add(entry: CollationEntry): void {
    const { result, plan } = entry;
    const record: EntryRecord = {
      seq: this.entryList.length,
      source: entry.source,
      submittedAt: entry.submittedAt,
      code: null,
      hasPlan: plan !== null,
      valid: result.valid,
      errors: result.findings.filter((f) => f.severity === 'error').length,
      warnings: result.findings.filter((f) => f.severity === 'warning').length,
      // Copied field by field so nothing else the reader hung on a finding is kept alive.
      findings: result.findings.map((f) => ({
        code: f.code, severity: f.severity, sheet: f.sheet, cell: f.cell,
        recommendation: f.recommendation, field: f.field, message: f.message,
      })),
    };
    this.entryList.push(record);
    const organisation = plan ? this.organisationOf(result, plan) : null;
    if (!organisation || !plan) return;
    record.code = organisation.code;
    const current = this.newest.get(organisation.code);
    // Same time: the one added later wins, as the service adds versions in order.
    if (current && current.entry.submittedAt.getTime() > entry.submittedAt.getTime()) return;
    this.newest.set(organisation.code, { organisation, entry: record, actions: plan.actions.map((a) => ({ ...a })) });
  }

  /** The organisation a plan is from: the checker's answer, else the code typed in the header if it is on the list. */
  private organisationOf(result: ValidationResult, plan: Plan): Organisation | null {
    const code = result.organisation?.code ?? this.headerCode(plan);
    if (!code) return null;
    const known = this.byCode.get(code);
    if (known) return known;
    if (!result.organisation) return null;
    let extra = this.extra.get(code);
    if (!extra) this.extra.set(code, (extra = { code, name: result.organisation.name, nation: '', region: '' }));
    return extra;
  }

  private headerCode(plan: Plan): string | null {
    const field = this.template.headerFields.find((f) => f.kind === 'organisation');
    return (field && organisationOf(plan.header[field.id] ?? null, this.organisations)?.code) || null;
  }

  /** Every entry, in the order added. */
  get entries(): readonly EntryRecord[] {
    return this.entryList;
  }

  stateOf(entry: EntryRecord): EntryState {
    if (!entry.hasPlan) return 'no plan';
    if (entry.code === null) return 'organisation not identified';
    return this.newest.get(entry.code)?.entry === entry ? 'counted' : 'superseded';
  }

  /** The counted plan of each organisation, by ODS code. */
  counted(): CountedPlan[] {
    return [...this.newest.values()].sort((a, b) => compare(a.organisation.code, b.organisation.code));
  }

  /** Older entries of an organisation that a newer plan replaced, newest first. */
  superseded(code: string): EntryRecord[] {
    return this.entryList
      .filter((e) => e.code === code && this.stateOf(e) === 'superseded')
      .sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime() || b.seq - a.seq);
  }

  /** Organisations on the list with no plan. */
  notReturned(): Organisation[] {
    return this.organisations.filter((o) => !this.newest.has(o.code));
  }

  /** The nations of the organisations list, in a stable order (England, Wales). */
  nations(): string[] {
    return [...new Set(this.organisations.map((o) => o.nation).filter(Boolean))].sort(compare);
  }

  /** Totals the CLI prints and the service can log. */
  counts() {
    return {
      entries: this.entryList.length,
      plans: this.newest.size,
      superseded: this.entryList.filter((e) => this.stateOf(e) === 'superseded').length,
      noPlan: this.entryList.filter((e) => !e.hasPlan).length,
      unidentified: this.entryList.filter((e) => this.stateOf(e) === 'organisation not identified').length,
      notReturned: this.notReturned().length,
    };
  }
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
