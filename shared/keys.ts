// Reading Key 1 (status) and Key 2 (priority) values however they were written. One place, used by the rules, the
// collation and the add-in. The rule: forgive what can mean one key value only, refuse what could mean two or none.
//   Status: the leading code decides ("2", "(2)", "2 - started Oct 2026") unless the rest names another status
//   ("3. Action in progress" could be 2 or 3); without a code, the whole value must be a label (with or without its
//   bracketed instruction) or one of the template's short forms ("In progress"), in any case and spacing.
//   Priority: the first word, or its start ("Med", "H"), when it begins one label only, followed by anything that
//   names no other priority ("High - urgent attention").
import { foldWords as fold } from './cells';
import type { Template } from './template';


/** Every folded way a status entry may be written without its code: label, label without "(…)", short forms. */
export function statusForms(entry: Template['statusKey']['entries'][number]): string[] {
  const bare = entry.label.replace(/\([^)]*\)/g, ' ');
  return [...new Set([entry.label, bare, ...(entry.shortForms ?? [])].map(fold).filter(Boolean))];
}

interface StatusIndex {
  /** folded form → code */
  byForm: Map<string, number>;
  /** code → its forms */
  forms: Map<number, string[]>;
}
// Built once per template: statusCode runs for every action row in the rules, the summary and the export.
const indexes = new WeakMap<Template, StatusIndex>();
function statusIndex(template: Template): StatusIndex {
  let index = indexes.get(template);
  if (!index) {
    index = { byForm: new Map(), forms: new Map() };
    for (const e of template.statusKey.entries) {
      const forms = statusForms(e);
      index.forms.set(e.code, forms);
      for (const f of forms) index.byForm.set(f, e.code);
    }
    indexes.set(template, index);
  }
  return index;
}

/** A single code at the start, alone or followed by a separator: "2", "2.", "2)", "(2)", "2 -", "2: …". */
const LEADING_CODE = /^\(?(\d)\)?(?:$|[\s.):;,\-–—(]+)/;
/** What after a code names another number: "2.5", "2/3", "2 or 3", "2 - 3". */
const ANOTHER_NUMBER = /^(?:(?:or|and|to|then)\s+)?\d/;

const beginsWith = (text: string, form: string) => text === form || text.startsWith(`${form} `);

/**
 * Remembers a reading per template and value: a national collation reads 100,000 statuses and priorities (each
 * three times: rules, summary, export), nearly all of them the same few values. Bounded: only short values are
 * kept (a key value is a few words), and the cache is emptied when full.
 */
function memo<T>(read: (template: Template, value: string) => T): (template: Template, value: string) => T {
  const caches = new WeakMap<Template, Map<string, T>>();
  return (template, value) => {
    if (value.length > 200) return read(template, value);
    let cache = caches.get(template);
    if (!cache) caches.set(template, (cache = new Map()));
    let answer = cache.get(value);
    if (answer === undefined && !cache.has(value)) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(value, (answer = read(template, value)));
    }
    return answer as T;
  };
}

/** The Key 1 code a status value means, or null when it means none, or could mean two. */
export function statusCode(template: Template, value: string | null): number | null {
  return value === null ? null : statusCodeOf(template, value);
}
const statusCodeOf = memo((template, value): number | null => {
  const code = singleStatus(template, value);
  // "2. Action in progress\n3. Action fully implemented" begins with a code, but names two.
  return code !== null && STATUS_PARTS.test(value) && statusCodesIn(template, value).length > 1 ? null : code;
});

/** The code of a value that holds one status. */
function singleStatus(template: Template, value: string): number | null {
  const index = statusIndex(template);
  const s = value.trim();
  const m = LEADING_CODE.exec(s);
  if (!m) return index.byForm.get(fold(s)) ?? null;
  const code = Number(m[1]);
  if (!index.forms.has(code)) return null;
  const rest = fold(s.slice(m[0].length));
  if (rest === '') return code;
  if (ANOTHER_NUMBER.test(rest)) return null;
  for (const [other, forms] of index.forms) {
    if (other !== code && forms.some((f) => beginsWith(rest, f))) return null;
  }
  return code;
}

/** Where a cell may hold several statuses: line breaks, "/", ";", ",", "&", "and", "or". */
const STATUS_PARTS = /\n|[/;,&]|\b(?:and|or)\b/i;

/** The distinct Key 1 codes named in a cell that holds several statuses ("2\n3", "2/3"), in order. */
export function statusCodesIn(template: Template, value: string | null): number[] {
  if (value === null) return [];
  const codes: number[] = [];
  for (const part of value.split(STATUS_PARTS)) {
    const code = singleStatus(template, part);
    if (code !== null && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

export function statusLabel(template: Template, code: number): string {
  return template.statusKey.entries.find((e) => e.code === code)?.label ?? '';
}

interface PriorityForm { label: string; folded: string; withMeaning: string }
const priorityIndexes = new WeakMap<Template, PriorityForm[]>();
function priorityForms(template: Template): PriorityForm[] {
  let forms = priorityIndexes.get(template);
  if (!forms) {
    forms = template.priorityKey.entries.map((e) => ({ label: e.label, folded: fold(e.label), withMeaning: fold(`${e.label} ${e.meaning}`) }));
    priorityIndexes.set(template, forms);
  }
  return forms;
}

/** The Key 2 label a priority value means ("high", "Med", "H", "High - urgent attention"), or null. */
export function priorityLabel(template: Template, value: string | null): string | null {
  return value === null ? null : priorityLabelOf(template, value);
}
const priorityLabelOf = memo((template, value): string | null => {
  const v = fold(value);
  if (v === '') return null;
  const forms = priorityForms(template);
  for (const f of forms) if (v === f.folded || v === f.withMeaning) return f.label;
  const [first, ...rest] = v.split(' ');
  const starts = forms.filter((f) => f.folded.startsWith(first!));
  if (starts.length !== 1) return null;
  const chosen = starts[0]!;
  // Refused when the explanation names another priority, or a start of one ("Medium/High", "Med-Low").
  if (rest.some((w) => w.length >= 3 && forms.some((o) => o !== chosen && o.folded.startsWith(w)))) return null;
  return chosen.label;
});

/** The distinct Key 2 labels named in a cell that holds several priorities, one per line ("High\nLow"). */
export function priorityLabelsIn(template: Template, value: string | null): string[] {
  if (value === null) return [];
  const labels: string[] = [];
  for (const part of value.split(/\n|[/;,&]/)) {
    const label = priorityLabel(template, part);
    if (label !== null && !labels.includes(label)) labels.push(label);
  }
  return labels;
}
