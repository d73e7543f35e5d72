// The national rules for a local action plan, run identically by the add-in, the service and the command line.
// Pure: no Node or Office API. Every finding names where it is (sheet, cell, recommendation, field) and says, in plain
// English, what was found and how to put it right. docs/findings.md documents every code.
import { colIndex } from './a1';
import { ASCII, addDays, foldWords, isIsoDate, parseDateText, ukDate } from './cells';
import { finding, type Finding, type FindingCode, type ValidationResult } from './findings';
import { priorityLabel, priorityLabelsIn, statusCode, statusCodesIn } from './keys';
import { ACTION_FIELDS, DEADLINE_RANGE, LISTS_SHEET, META, MORE_ACTIONS, a1, officialTexts, readingLayout, statusOption, type ActionField } from './layout';
import { actionCell, fixedPlacesOf, type PlanPlaces } from './locate';
import { holdsNhsNumber, maskNhsNumbers } from './nhsNumber';
import { matchOrganisation, organisationLabel, type Organisation } from './organisations';
import type { Plan, PlanAction } from './plan';
import type { Template } from './template';
import { orList } from './workbookSpec';

// ---- Thresholds and word lists (the SMART warnings). Kept here, named, so they can be tuned in one place. ----

/**
 * An action of fewer words than this cannot say what will be done, by what means, measured how ("Audit MDT" or
 * "Review data" are intentions, not actions). 4 lets a terse but real action through: "Audit MDT listing quarterly".
 */
export const MIN_ACTION_WORDS = 4;

/**
 * Values people type to fill a cell without committing to anything. Compared with the whole cell, case and
 * punctuation ignored, so "TBC." and "n/a" match but "Agree the TBC items at MDT" does not.
 */
export const PLACEHOLDER_VALUES = [
  'tbc', 'tbd', 'tba', 'na', 'n a', 'n/a', 'none', 'nil', 'no', 'yes', 'x', 'unknown', 'ongoing', 'on going', 'pending',
  'to be confirmed', 'to be decided', 'to be agreed', 'to be arranged', 'to follow', 'see above', 'as above', 'same as above',
  'various', 'other', 'ditto', 'etc',
];

/**
 * Words that name a role, a team, a department or a title, not a person. A responsible cell is "named" when it has at
 * least one word of two or more letters outside this list (so "Dr J Smith" and "Jane Smith (CNS)" are named, while
 * "Breast team", "MDT", "Oncology", "All", "Consultants" and "Lead CNS" are not). A team is accountable to no one in
 * particular; the audit asks for an individual.
 */
export const NOT_A_NAME_WORDS = new Set([
  // placeholders and filler
  'tbc', 'tbd', 'tba', 'na', 'none', 'nil', 'unknown', 'various', 'other', 'others', 'etc', 'ongoing', 'pending',
  'to', 'be', 'confirmed', 'decided', 'agreed', 'arranged', 'appointed', 'identified', 'assigned', 'named', 'nominated',
  'the', 'of', 'and', 'for', 'in', 'at', 'with', 'by', 'on', 'our', 'all', 'any', 'each', 'every', 'team', 'teams',
  'members', 'member', 'everyone', 'staff', 'colleagues', 'group', 'groups', 'committee', 'board', 'panel', 'network',
  // titles
  'dr', 'doctor', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof', 'professor', 'sir', 'dame', 'rev',
  // roles
  'consultant', 'consultants', 'oncologist', 'oncologists', 'surgeon', 'surgeons', 'radiologist', 'radiologists',
  'pathologist', 'pathologists', 'physician', 'physicians', 'clinician', 'clinicians', 'doctors', 'registrar',
  'registrars', 'nurse', 'nurses', 'nursing', 'specialist', 'specialists', 'cns', 'cnss', 'acp', 'matron', 'sister',
  'lead', 'leads', 'leader', 'manager', 'managers', 'management', 'coordinator', 'coordinators', 'co', 'ordinator',
  'administrator', 'administrators', 'admin', 'secretary', 'secretaries', 'clerk', 'clerks', 'analyst', 'analysts',
  'officer', 'officers', 'director', 'directors', 'head', 'chair', 'chairs', 'deputy', 'assistant', 'senior', 'junior',
  'associate', 'chief', 'executive', 'executives', 'governance', 'pharmacist', 'pharmacists', 'pharmacy', 'therapist',
  'therapists', 'champion', 'owner', 'tracker', 'trackers', 'navigator', 'navigators', 'support', 'worker', 'workers',
  'practitioner', 'practitioners', 'advanced', 'medical', 'clinical', 'general',
  // teams, services and departments
  'mdt', 'mdts', 'mdm', 'multidisciplinary', 'multi', 'disciplinary', 'breast', 'cancer', 'cancers', 'oncology',
  'haematology', 'radiology', 'radiotherapy', 'pathology', 'surgery', 'surgical', 'chemotherapy', 'palliative', 'care',
  'acute', 'metastatic', 'secondary', 'primary', 'service', 'services', 'department', 'departments', 'directorate',
  'division', 'unit', 'units', 'ward', 'clinic', 'clinics', 'centre', 'center', 'hospital', 'trust', 'health', 'board',
  'nhs', 'audit', 'data', 'quality', 'information', 'informatics', 'performance', 'cosd', 'cdf', 'it', 'digital', 'office',
  'business', 'operations', 'operational', 'research', 'trials', 'patient', 'patients', 'pathway', 'pathways',
  'site', 'specific', 'tumour', 'macmillan', 'wide', 'wider', 'whole', 'alliance', 'sact', 'chemo', 'onc', 'gp', 'gps',
  'radiographer', 'radiographers', 'sonographer', 'sonographers', 'haematologist', 'histopathologist', 'dietitian',
  'physiotherapist', 'band', 'project', 'programme', 'improvement', 'qi', 'system', 'systems', 'someone', 'somebody',
  'me', 'us', 'we', 'myself', 'self',
]);

/**
 * What a deadline may hold when the status has no agreed deadline (Key 1 codes 4 and 5 in the 2025 template), besides
 * nothing: "N/A", "n/a", "-" and the like (compared folded, so only punctuation counts as "-").
 */
export const NO_DEADLINE_VALUES = ['', 'na', 'n a', 'not applicable', 'none'];

/** A deadline further ahead than this many years is implausible for a local action, so probably mistyped. */
export const FAR_AHEAD_YEARS = 3;

/** Quoted values are cut to this many characters, so a message stays one readable line. */
const QUOTE_LENGTH = 60;

// ---- Context and helpers ----

export interface CheckContext {
  template: Template;
  organisations: Organisation[];
  /** Today's date, ISO yyyy-mm-dd (passed in so checks are repeatable). */
  today: string;
}

/** A value quoted for a message: "…" cut to a readable length, line breaks shown as spaces, NHS numbers masked. */
export function quote(value: string): string {
  const s = maskNhsNumbers(value).replace(/\s+/g, ' ');
  return `"${s.length > QUOTE_LENGTH ? `${s.slice(0, QUOTE_LENGTH - 1)}…` : s}"`;
}

const fold = foldWords;
const PLACEHOLDERS = new Set(PLACEHOLDER_VALUES.map(fold));
const NO_DEADLINE = new Set(NO_DEADLINE_VALUES.map(fold));

/** Whether a value says nothing: "TBC", "n/a", "-", "?", "ongoing"… (only punctuation counts as nothing too). */
export function isPlaceholder(value: string): boolean {
  // Long text is never a placeholder; checking length first keeps a long action from being folded at all.
  if (value.length > 40) return false;
  const v = fold(value);
  return v === '' || PLACEHOLDERS.has(v);
}

/** Whether a responsible/lead value names at least one individual, not only a role, a team or a placeholder. */
export function namesIndividual(value: string): boolean {
  if (isPlaceholder(value)) return false;
  // Words split at hyphens and apostrophes ("Smith-Jones", "O'Brien"), a possessive 's dropped ("team's"),
  // single letters (initials) ignored: one remaining word outside the list is taken as a name.
  const v = value.toLowerCase().replace(/['’]s\b/g, '');
  const words = v.match(ASCII.test(v) ? ASCII_LETTERS : LETTERS) ?? [];
  return words.some((w) => w.length >= 2 && !NOT_A_NAME_WORDS.has(w));
}

const LETTERS = /\p{L}+/gu;
/** The letters of ASCII text (as foldWords, without the Unicode class). */
const ASCII_LETTERS = /[A-Za-z]+/g;

/** Whether an action has MIN_ACTION_WORDS words, counting only runs of letters or digits: counting stops there. */
function enoughWords(value: string): boolean {
  WORD.lastIndex = 0;
  for (let n = 0; n < MIN_ACTION_WORDS; n++) if (WORD.exec(value) === null) return false;
  return true;
}
const WORD = /[\p{L}\p{N}]+/gu;

/** An ISO date `years` later (29 Feb falls back to 28 Feb). */
function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const later: string = `${String(y + years).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  // Only 29 February can fail: a year later it has no leap day.
  return isIsoDate(later) ? later : `${String(y + years).padStart(4, '0')}-02-28`;
}


const FIELD_NAMES: Record<ActionField, string> = {
  action: 'action',
  responsible: 'responsible individual(s)',
  deadline: 'deadline',
  status: 'status',
  priority: 'priority',
  reason: 'reason or information',
  progress: 'progress / evidence',
};

/** The fields every action row must have (reason is needed only for some statuses, progress only for status 3). */
const REQUIRED_FIELDS: ActionField[] = ['action', 'responsible', 'deadline', 'status', 'priority'];

/** How to fill each required field, for the ACTION_FIELD_MISSING message. */
function howToFill(field: ActionField, template: Template, today: string): string {
  switch (field) {
    case 'action': return 'describe the local action you will take (what, how, measured how)';
    case 'responsible': return 'name the individual(s) responsible, e.g. "Dr Jane Smith"';
    case 'deadline': return `enter the agreed deadline as dd/mm/yyyy, e.g. ${ukDate(addDays(today, 90))}`;
    case 'status': return `choose a status from Key 1 (${keyRange(template)})`;
    case 'priority': return `choose a priority from Key 2 (${priorities(template)})`;
    default: return 'fill it in';
  }
}

const keyRange = (t: Template) => {
  const codes = t.statusKey.entries.map((e) => e.code);
  return `${Math.min(...codes)}–${Math.max(...codes)}`;
};
const priorities = (t: Template) => t.priorityKey.entries.map((e) => e.label).join(', ');
const statusEntry = (t: Template, code: number) => t.statusKey.entries.find((e) => e.code === code)!;

// ---- The rules ----

/** Sheet order: the plan sheet after other sheets' notes, the "More actions" sheet last; then row, then column. */
function orderKey(f: Finding, planSheet: string): [number, number, number] {
  const sheet = f.sheet === planSheet ? 1 : f.sheet !== null && f.sheet !== LISTS_SHEET ? 2 : 0;
  const m = f.cell?.match(/^([A-Z]+)(\d+)$/);
  if (!m) return [sheet, 0, 0];
  return [sheet, Number(m[2]), colIndex(m[1]!)];
}
/** Findings in sheet order (planSheet: the plan sheet's name as it is now). */
export function sheetOrder(findings: Finding[], planSheet: string): Finding[] {
  const keyed = findings.map((f, i) => ({ f, k: [...orderKey(f, planSheet), i] }));
  keyed.sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]! || a.k[2]! - b.k[2]! || a.k[3]! - b.k[3]!);
  return keyed.map((x) => x.f);
}

/** Whether a deadline is a day the plan can hold: a real date within the workbook's date check (a number typed into a date cell is not). */
export function isDeadlineDate(deadline: string | null): deadline is string {
  return isIsoDate(deadline) && deadline >= DEADLINE_RANGE.from && deadline <= DEADLINE_RANGE.to;
}

/**
 * Whether an action's deadline has passed while it is not implemented: the rules warn of it, the collation counts it.
 * A status with no agreed deadline (4 and 5 in the 2025 template) is never overdue, nor is a deadline that is no date.
 */
export function isOverdue(template: Template, action: PlanAction, today: string): boolean {
  if (!isDeadlineDate(action.deadline) || action.deadline >= today) return false;
  const code = statusCode(template, action.status);
  return code !== template.statusKey.implementedCode && !(code !== null && template.statusKey.noDeadlineCodes.includes(code));
}

/** Every finding about a plan's content, in sheet order. */
export function checkPlan(plan: Plan, ctx: CheckContext): Finding[] {
  const { template } = ctx;
  if (plan.template.id !== template.id || plan.template.version !== template.version) {
    return [finding('UNKNOWN_TEMPLATE',
      `This plan was made from template "${plan.template.id}" version ${plan.template.version}, but it is being checked ` +
      `against "${template.id}" version ${template.version}: copy your content into a new blank action plan ` +
      `(template "${template.id}" version ${template.version}) and send that.`,
      { sheet: LISTS_SHEET, cell: META.idCell })];
  }
  const layout = readingLayout(template);
  const places = placesOf(plan, template);
  const out: Finding[] = [];
  const at = (cell: string, extra: { recommendation?: number; field?: string; sheet?: string } = {}) => ({ sheet: places.sheet, cell, ...extra });
  const add = (code: FindingCode, message: string, where: ReturnType<typeof at>) => out.push(finding(code, message, where));

  // Header: the organisation and the named leads.
  for (const layoutField of layout.header) {
    const h = { ...layoutField, cell: places.header[layoutField.id] ?? layoutField.cell };
    const value = present(plan.header[h.id]);
    const where = at(h.cell, { field: h.id });
    if (holdsNhsNumber(value)) add('NHS_NUMBER', nhsNumberMessage(`The ${h.label}`, h.cell), where);
    if (h.kind === 'organisation') {
      if (value === null) {
        add('ORGANISATION_MISSING', `The ${h.label} in ${h.cell} is empty: choose your organisation from the list in ${h.cell}.`, where);
      } else {
        const match = matchOrganisation(value, ctx.organisations);
        const names = (os: Organisation[]) => orList(os.map(organisationLabel));
        if (match.ambiguous) {
          add('ORGANISATION_AMBIGUOUS',
            `${h.label} ${quote(value)} in ${h.cell} could mean ${names(match.candidates)}: choose your organisation ` +
            `from the list in ${h.cell}, so it names one organisation only.`, where);
        } else if (!match.organisation) {
          add('ORGANISATION_UNKNOWN',
            `${h.label} ${quote(value)} in ${h.cell} is not on the list of NHS organisations` +
            `${match.candidates.length ? ` (did you mean ${names(match.candidates)}?)` : ''}: choose your organisation from ` +
            `the list in ${h.cell} (it starts with the ODS code, e.g. "RGT – …").`, where);
        }
      }
    } else if (value === null || isPlaceholder(value)) {
      add('LEAD_MISSING', `The ${h.label} in ${h.cell} is ${value === null ? 'empty' : `only ${quote(value)}`}: ` +
        `enter the name of the ${h.label.toLowerCase()}, e.g. "Dr Jane Smith".`, where);
    } else if (!namesIndividual(value)) {
      add('LEAD_NOT_NAMED', `The ${h.label} in ${h.cell} is ${quote(value)}, which names a role or team, not a person: ` +
        `enter the name of the individual, e.g. "Dr Jane Smith".`, where);
    }
  }

  // Official text: the recommendations and suggested actions must stay as the national team wrote them.
  const found = new Map(plan.official.map((o) => [o.cell, o.text]));
  const officials = officialTexts(template);
  for (const [i, official] of layout.official.entries()) {
    const block = places.blocks.find((b) => b.recommendation === official.recommendation);
    const o = { ...official, cell: block ? (official.kind === 'text' ? block.textCell : block.suggestedCell) : official.cell };
    const text = found.get(o.cell) ?? null;
    if (officials[i]!.same(text)) continue;
    const what = o.kind === 'text' ? `The text of recommendation ${o.recommendation}` : `The suggested actions for recommendation ${o.recommendation}`;
    add('OFFICIAL_TEXT_CHANGED',
      `${what} in ${o.cell} ${o.kind === 'text' ? 'has' : 'have'} been ${text === null ? 'deleted' : `changed (the cell now reads ${quote(text)})`}: ` +
      `this is official text and must not be edited. Put the original text back (copy it from a blank action plan), ` +
      `and write your local actions in the rows below it.`,
      at(o.cell, { recommendation: o.recommendation, field: o.kind === 'text' ? 'recommendationText' : 'suggestedActions' }));
  }

  // Action rows, recommendation by recommendation. The far-ahead limit is the same for every row: worked out once.
  const farAhead = addYears(ctx.today, FAR_AHEAD_YEARS);
  for (const layoutRec of layout.recommendations) {
    const block = places.blocks.find((b) => b.recommendation === layoutRec.number);
    const rec = { number: layoutRec.number, firstActionRow: block?.firstRow ?? layoutRec.firstActionRow, lastActionRow: block?.lastRow ?? layoutRec.lastActionRow };
    const rows = plan.actions.filter((a) => a.recommendation === rec.number);
    if (rows.length === 0) {
      const cell = a1(places.columns.action, rec.firstActionRow);
      add('RECOMMENDATION_NO_ACTIONS',
        `Recommendation ${rec.number} has no action: add at least one action in rows ${rec.firstActionRow}–${rec.lastActionRow} ` +
        `(starting at ${cell}), or, if you will not act on it, add a row with status 4 and the reason.`,
        at(cell, { recommendation: rec.number }));
    }
    for (const a of rows) {
      const cell = (field: ActionField) => actionCell(places, a, field);
      checkAction(a, ctx, farAhead, cell, (code, field, message) => add(code, message, at(cell(field), { recommendation: rec.number, field, ...(a.sheet ? { sheet: a.sheet } : {}) })));
    }
  }
  // Rows of the "More actions" sheet that do not say which recommendation they belong to.
  for (const a of plan.actions) {
    if (a.recommendation !== 0) continue;
    const sheet = a.sheet ?? MORE_ACTIONS.sheet;
    const cell = a1(places.more?.numberCol ?? 'A', a.row);
    const numbers = template.recommendations.map((r) => r.number);
    add('MORE_ACTION_NO_RECOMMENDATION',
      `The action in row ${a.row} of the "${sheet}" sheet does not say which recommendation it is for: ${cell} ` +
      `${a.recommendationText === undefined ? 'is empty' : `reads ${quote(a.recommendationText)}`}. Choose the recommendation number ` +
      `(${numbers[0]}–${numbers[numbers.length - 1]}) in ${cell}.`,
      at(cell, { sheet }));
  }
  return sheetOrder(out, places.sheet);
}

/** Where the plan's parts are: as the reader located them, else the fixed layout. */
function placesOf(plan: Plan, template: Template): PlanPlaces {
  const p = plan.places;
  // Places sent as JSON must cover every recommendation and header field to be used.
  if (!p || template.recommendations.some((r) => !p.blocks.some((b) => b.recommendation === r.number))
    || template.headerFields.some((h) => !p.header[h.id])) return fixedPlacesOf(template);
  return p;
}

type Report = (code: FindingCode, field: ActionField, message: string) => void;

/** A value, or null when it is missing or only spaces (a plan sent as JSON may hold "" where a cell reads null). */
const present = (v: string | null | undefined) => (v == null || v.trim() === '' ? null : v);

/** The checks on one action row, field by field (farAhead: today + FAR_AHEAD_YEARS; cell: where each field of this row is). */
function checkAction(row: PlanAction, ctx: CheckContext, farAhead: string, cell: (field: ActionField) => string, report: Report): void {
  const a: PlanAction = { ...row };
  for (const field of ACTION_FIELDS) a[field] = present(row[field]);
  const { template, today } = ctx;
  const rec = `recommendation ${a.recommendation}`;

  for (const field of ACTION_FIELDS) {
    if (holdsNhsNumber(a[field])) report('NHS_NUMBER', field, nhsNumberMessage(`The ${FIELD_NAMES[field]}`, cell(field)));
  }

  const code = statusCode(template, a.status);
  const priority = priorityLabel(template, a.priority);
  // Several actions in one row get one finding; the values it explains are not judged one by one as well.
  const several = severalInRow(a, template, code, priority);
  if (several.length) {
    report('SEVERAL_ACTIONS_IN_ROW', several[0]!.field,
      `Row ${a.row} (${rec}) holds several actions in one row: ${several.map((s) => `the ${FIELD_NAMES[s.field]} in ` +
      `${cell(s.field)} ${s.what}`).join(', ')}. Put one action per row, each with its own responsible individual, ` +
      `deadline, status and priority; ${oneAction(several.map((s) => s.field))}.`);
  }
  const judged = (field: ActionField) => !several.some((s) => s.field === field);

  // Statuses with no agreed deadline (no plan to act, other) may leave it blank or write "N/A".
  const noDeadline = code !== null && template.statusKey.noDeadlineCodes.includes(code);
  if (noDeadline && a.deadline !== null && NO_DEADLINE.has(fold(a.deadline))) a.deadline = null;

  for (const field of REQUIRED_FIELDS) {
    if (a[field] === null && !(field === 'deadline' && noDeadline)) {
      report('ACTION_FIELD_MISSING', field,
        `The ${FIELD_NAMES[field]} in ${cell(field)} (an action for ${rec}, row ${a.row}) is empty: ${howToFill(field, template, today)}.`);
    }
  }

  if (a.action !== null && (isPlaceholder(a.action) || !enoughWords(a.action))) {
    report('ACTION_VAGUE', 'action',
      `The action ${quote(a.action)} in ${cell('action')} is too vague to be specific: say what will be done, how, and how ` +
      `success will be measured (at least ${MIN_ACTION_WORDS} words), e.g. "Audit MDT listing of all new MBC patients quarterly".`);
  }

  if (a.responsible !== null && !namesIndividual(a.responsible)) {
    report('RESPONSIBLE_NOT_NAMED', 'responsible',
      `The responsible ${quote(a.responsible)} in ${cell('responsible')} does not name an individual: ` +
      `name the person accountable for this action, e.g. "Dr Jane Smith" or "Jane Smith (CNS)".`);
  }

  if (a.deadline !== null && judged('deadline')) {
    const orBlank = noDeadline ? ` (or, as status ${code} has no agreed deadline, leave it blank)` : '';
    if (!isIsoDate(a.deadline)) {
      report('DEADLINE_NOT_DATE', 'deadline',
        `The deadline ${quote(a.deadline)} in ${cell('deadline')} is not a date: enter a date as dd/mm/yyyy, ` +
        `e.g. ${ukDate(addDays(today, 90))}${orBlank}.`);
    } else if (!isDeadlineDate(a.deadline)) {
      // What the workbook's own date check refuses: usually a number typed into the cell ("5" reads as 05/01/1900).
      report('DEADLINE_NOT_DATE', 'deadline',
        `The deadline in ${cell('deadline')} reads as ${ukDate(a.deadline)}, outside ${ukDate(DEADLINE_RANGE.from)}–` +
        `${ukDate(DEADLINE_RANGE.to)}, so it is not a real deadline (a number typed into a date cell reads this way): ` +
        `enter the date as dd/mm/yyyy, e.g. ${ukDate(addDays(today, 90))}${orBlank}.`);
    } else if (isOverdue(template, a, today)) {
      report('DEADLINE_PASSED', 'deadline',
        `The deadline ${ukDate(a.deadline)} in ${cell('deadline')} has passed but the status is ` +
        `${a.status === null ? 'empty' : quote(a.status)}: if the action is done set status ` +
        `${template.statusKey.implementedCode}, otherwise agree a new deadline and update it.`);
    } else if (a.deadline > farAhead) {
      report('DEADLINE_FAR_AHEAD', 'deadline',
        `The deadline ${ukDate(a.deadline)} in ${cell('deadline')} is more than ${FAR_AHEAD_YEARS} years ahead: check the ` +
        `year was typed correctly, or split the action into steps with nearer deadlines.`);
    }
  }

  if (a.status !== null && code === null && judged('status')) {
    const first = template.statusKey.entries[0]!;
    report('STATUS_INVALID', 'status',
      `Status ${quote(a.status)} in ${cell('status')} is not in Key 1: choose ${keyRange(template)} from the list, ` +
      `e.g. "${statusOption(first.code, first.label)}".`);
  }

  if (a.priority !== null && priority === null && judged('priority')) {
    report('PRIORITY_INVALID', 'priority',
      `Priority ${quote(a.priority)} in ${cell('priority')} is not in Key 2: choose ${priorities(template)} from the list.`);
  }

  if (code !== null && template.statusKey.needsReasonCodes.includes(code) && (a.reason === null || isPlaceholder(a.reason))) {
    report('REASON_MISSING', 'reason',
      `Status ${code} ("${statusEntry(template, code).label}") in ${cell('status')} needs a reason or information in ` +
      `${cell('reason')}, which is ${a.reason === null ? 'empty' : quote(a.reason)}: explain why, in a sentence.`);
  }

  if (code === template.statusKey.implementedCode && (a.progress === null || isPlaceholder(a.progress))) {
    report('EVIDENCE_MISSING', 'progress',
      `Status ${code} ("${statusEntry(template, code).label}") in ${cell('status')} has no progress or evidence in ` +
      `${cell('progress')}: note what shows the action is done, e.g. "Audit of 20 cases in March: 19 recorded".`);
  }
}

/** How to mend a row that is one action after all: one value per field, or the steps as one sentence. */
function oneAction(fields: ActionField[]): string {
  const values = fields.filter((f) => f !== 'action').map((f) => FIELD_NAMES[f]);
  return values.length ? `if it is one action, give it one ${values.join(', ').replace(/, ([^,]*)$/, ' and $1')}` : 'if the lines are steps of one action, write them as one sentence';
}

/** A line that starts a list item: "•", "-", "*", "1.", "2)", "(3)", "a)". */
const LIST_ITEM = /^\s*(?:[•▪◦‣●○·*]\s*|[-–—]\s+|\(?(?:\d{1,2}|[a-z])[.)]\s+)\S/i;
/** Where a deadline cell may hold several dates: line breaks, ";", "and", "or", "then". */
const DATE_PARTS = /\n|;|\b(?:and|or|then)\b/i;

/** The fields of a row that hold several actions' worth of values, each with what was found, in column order. */
function severalInRow(a: PlanAction, template: Template, code: number | null, priority: string | null): Array<{ field: ActionField; what: string }> {
  const out: Array<{ field: ActionField; what: string }> = [];
  const items = a.action?.includes('\n') ? a.action.split('\n').filter((line) => LIST_ITEM.test(line)).length : 0;
  if (items >= 2) out.push({ field: 'action', what: `is a list of ${items}` });
  const deadline = a.deadline;
  if (deadline !== null && !/^\d{4}-\d{2}-\d{2}$/.test(deadline)) {
    const dates = deadline.split(DATE_PARTS).filter((part) => parseDateText(part) !== null).length;
    if (dates >= 2) out.push({ field: 'deadline', what: `holds ${dates} dates` });
  }
  if (code === null) {
    const codes = statusCodesIn(template, a.status);
    if (codes.length >= 2) out.push({ field: 'status', what: `names ${codes.length} statuses (${codes.join(' and ')})` });
  }
  if (priority === null) {
    const labels = priorityLabelsIn(template, a.priority);
    if (labels.length >= 2) out.push({ field: 'priority', what: `names ${labels.length} priorities (${labels.join(' and ')})` });
  }
  return out;
}

/** The organisation a header value names, when it names exactly one on the list (shared/organisations.ts). */
export function organisationOf(value: string | null, organisations: Organisation[]): Organisation | undefined {
  if (value === null) return undefined;
  return matchOrganisation(value, organisations).organisation ?? undefined;
}

/** The NHS_NUMBER message: names the cell, never repeats the number. */
function nhsNumberMessage(what: string, cell: string): string {
  return `${what} in ${cell} holds what looks like an NHS number (10 digits that pass the NHS number check): an action ` +
    `plan must not hold patient identifiers. Remove the number, and anything else that could identify a patient.`;
}

/**
 * The validate result for a plan (file: the file name, or null for a plan sent as JSON). readerFindings: what reading
 * the workbook found (shared/locate.ts, shared/formulas.ts); a cell they speak about gets no value finding besides.
 */
export function validatePlan(plan: Plan, ctx: CheckContext, file: string | null = null, readerFindings: Finding[] = []): ValidationResult {
  const cells = new Set(readerFindings.filter((f) => f.cell).map((f) => `${f.sheet}!${f.cell}`));
  const ruled = checkPlan(plan, ctx);
  const findings = readerFindings.length === 0 ? ruled
    : sheetOrder([...readerFindings, ...ruled.filter((f) => !f.cell || !cells.has(`${f.sheet}!${f.cell}`))], placesOf(plan, ctx.template).sheet);
  const known = plan.template.id === ctx.template.id && plan.template.version === ctx.template.version;
  const orgField = ctx.template.headerFields.find((f) => f.kind === 'organisation')!;
  const org = known ? organisationOf(plan.header[orgField.id] ?? null, ctx.organisations) : undefined;
  return {
    file,
    valid: !findings.some((f) => f.severity === 'error'),
    readable: true,
    template: known ? { id: plan.template.id, version: plan.template.version } : null,
    organisation: org ? { code: org.code, name: org.name } : null,
    findings,
  };
}
