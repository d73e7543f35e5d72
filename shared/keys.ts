// Reading Key 1 (status) and Key 2 (priority) values however they were written: "2", "2. Action in progress",
// "action in progress", "HIGH ". One place, used by the rules, the collation and the add-in.
import type { Template } from './template';

const fold = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** The Key 1 code a status value means, or null when it is outside the key. */
export function statusCode(template: Template, value: string | null): number | null {
  if (value === null) return null;
  const v = fold(value);
  for (const e of template.statusKey.entries) {
    const label = fold(e.label);
    if (v === String(e.code) || v === label || v === `${e.code} ${label}`) return e.code;
  }
  // "2." with a shortened or older label still names code 2 when the rest of the text begins the label.
  const m = v.match(/^(\d) (.+)$/);
  if (m) {
    const e = template.statusKey.entries.find((x) => String(x.code) === m[1]);
    if (e && fold(e.label).startsWith(m[2]!)) return e.code;
  }
  return null;
}

export function statusLabel(template: Template, code: number): string {
  return template.statusKey.entries.find((e) => e.code === code)?.label ?? '';
}

/** The Key 2 label a priority value means ("high", "High: requires urgent…", "H"), or null. */
export function priorityLabel(template: Template, value: string | null): string | null {
  if (value === null) return null;
  const v = fold(value);
  const entries = template.priorityKey.entries;
  for (const e of entries) {
    const label = fold(e.label);
    if (v === label || v === fold(`${e.label} ${e.meaning}`)) return e.label;
  }
  // A single initial ("H") only when no two labels share it.
  const initials = entries.filter((e) => v.length === 1 && fold(e.label)[0] === v);
  return initials.length === 1 ? initials[0]!.label : null;
}
