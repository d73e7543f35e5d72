// Gathers returned plans one at a time for the national collation. It keeps only what the outputs need: the newest
// plan of each organisation (its action rows), one small record per entry and its findings — never a workbook — so
// collating 2,000 files costs little more memory than collating 20.
import { isExpected, type Organisation } from '../../shared/organisations';
import { organisationOf } from '../../shared/rules';
import type { Finding, ValidationResult } from '../../shared/findings';
import type { Plan, PlanAction } from '../../shared/plan';
import { currentTemplate, type Template } from '../../shared/template';
import { escapeControls, nameShown } from '../../shared/unsafeText';
import { rowErrors, type RowErrors } from './rows';

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
  /**
   * false when the caller writes each counted plan out as add() returns it (the service, streaming from its store):
   * the collator then keeps no actions, only their number, so its memory does not grow with the actions. Each
   * organisation may then come at most once. Default true (the command line, whose files come in any order).
   */
  keepActions?: boolean;
  /** Each organisation's review state (the service): the Organisations sheet then has review columns. */
  reviews?: (code: string) => ReviewNote | null;
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
  /** Empty in a collator that keeps no actions (the plan was written out when it was added). */
  actions: PlanAction[];
  actionCount: number;
  /** The plan's person header fields (audit lead, action plan lead), by field id, as written. */
  leads: Record<string, string | null>;
  /** Its error findings on action rows, by row: which values the rules refused. */
  errors: RowErrors;
}

/**
 * What the national outputs are written from: the counted plans, one at a time in code order, and the collator that
 * holds the rest (entries, findings, who did not return), complete once the plans have all been read. A Collator
 * that keeps its actions is a source by itself.
 */
export type CollationSource = Collator | {
  collator: Collator;
  plans: Iterable<CountedPlan> | AsyncIterable<CountedPlan>;
  /**
   * The same plans read in one pass with, for the "Changes" sheet, each organisation's latest version against the one
   * before it (the service's store). The workbook reads this instead of `plans` when it is given.
   */
  versions?: () => AsyncIterable<LatestVersion>;
};

/** One organisation's latest version: its plan when it counts, and its change from the version before, if any. */
export interface LatestVersion {
  plan: CountedPlan | null;
  change: VersionPair | null;
}

/** An organisation's latest plan and the one before it, for the Changes sheet. */
export interface VersionPair {
  organisation: { code: string; name: string };
  previous: { version: number; plan: Plan };
  latest: { version: number; plan: Plan };
}

/** Where an organisation's plan stands with the national team (the service's reviews), for the Organisations sheet. */
export interface ReviewNote {
  state: string;
  comment: string;
  reviewer: string;
  reviewedAt: Date;
}

export const sourceParts = (source: CollationSource) =>
  source instanceof Collator ? { collator: source, plans: source.counted(), versions: undefined } : source;

export class Collator {
  readonly organisations: Organisation[];
  readonly today: string;
  readonly template: Template;
  private readonly byCode: Map<string, Organisation>;
  private readonly entryList: EntryRecord[] = [];
  /** Each organisation's entries, in the order added: superseded() is asked for every organisation. */
  private readonly entriesOf = new Map<string, EntryRecord[]>();
  private readonly newest = new Map<string, CountedPlan>();
  /** Organisations met in entries but missing from the list (e.g. the list was replaced after they submitted). */
  private readonly extra = new Map<string, Organisation>();
  private readonly keepActions: boolean;
  readonly reviews: ((code: string) => ReviewNote | null) | undefined;

  constructor(opts: CollatorOptions) {
    this.organisations = opts.organisations;
    this.today = opts.today;
    this.template = opts.template ?? currentTemplate;
    this.byCode = new Map(opts.organisations.map((o) => [o.code, o]));
    this.keepActions = opts.keepActions ?? true;
    this.reviews = opts.reviews;
  }

  /** Records an entry; returns its plan when that plan now counts for its organisation (null otherwise). */
  add(entry: CollationEntry): CountedPlan | null {
    const { result, plan } = entry;
    const record: EntryRecord = {
      seq: this.entryList.length,
      // File names come from whoever named the files: shown with their control and bidi characters as codes.
      source: nameShown(entry.source),
      submittedAt: entry.submittedAt,
      code: null,
      hasPlan: plan !== null,
      valid: result.valid,
      errors: result.findings.filter((f) => f.severity === 'error').length,
      warnings: result.findings.filter((f) => f.severity === 'warning').length,
      // Copied field by field so nothing else the reader hung on a finding is kept alive.
      findings: result.findings.map((f) => ({
        code: f.code, severity: f.severity, sheet: f.sheet, cell: f.cell,
        recommendation: f.recommendation, field: f.field, message: escapeControls(f.message),
      })),
    };
    this.entryList.push(record);
    const organisation = plan ? this.organisationOf(result, plan) : null;
    if (!organisation || !plan) return null;
    record.code = organisation.code;
    const ofCode = this.entriesOf.get(organisation.code);
    if (ofCode) ofCode.push(record);
    else this.entriesOf.set(organisation.code, [record]);
    const current = this.newest.get(organisation.code);
    if (current && !this.keepActions) throw new Error(`${organisation.code} came twice to a collator that keeps no actions`);
    // Same time: the one added later wins, as the service adds versions in order.
    if (current && current.entry.submittedAt.getTime() > entry.submittedAt.getTime()) return null;
    const leads = Object.fromEntries(this.template.headerFields.filter((f) => f.kind === 'person').map((f) => [f.id, plan.header[f.id] ?? null]));
    const counted = {
      organisation, entry: record, actions: plan.actions.map((a) => ({ ...a })), actionCount: plan.actions.length,
      leads, errors: rowErrors(record.findings, plan.places?.sheet),
    };
    this.newest.set(organisation.code, this.keepActions ? counted : { ...counted, actions: [] });
    return counted;
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
    return (this.entriesOf.get(code) ?? [])
      .filter((e) => this.stateOf(e) === 'superseded')
      .sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime() || b.seq - a.seq);
  }

  /** Organisations on the list expected to return (all, unless the list says otherwise) that have no plan. */
  notReturned(): Organisation[] {
    return this.organisations.filter((o) => isExpected(o) && !this.newest.has(o.code));
  }

  /** Whether the organisation with this code is on the list and expected to return. */
  isExpectedCode(code: string): boolean {
    const o = this.byCode.get(code);
    return o !== undefined && isExpected(o);
  }

  /** How many organisations of the list are expected to return. */
  expectedCount(): number {
    return this.organisations.filter(isExpected).length;
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
