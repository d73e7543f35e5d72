// The schema an audit template is checked by: everything audit-specific lives in a JSON file, so a new audit (or a new
// year) needs a new JSON file and no code change. Apart from shared/template.ts so the commands that only use the
// built-in template never load zod (compiling it is a large share of a command's start-up).
import { z } from 'zod';
import { statusForms } from './keys';

const text = z.string().min(1);

export const templateSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens'),
  // 0 is allowed: a draft or pre-release version a later one is carried from (test/fixtures/naome-2025-v0.json).
  version: z.number().int().nonnegative(),
  title: text,
  instruction: text,
  audit: z.object({ label: text, title: text, aim: text }),
  headerFields: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][A-Za-z0-9]*$/),
        label: text,
        // 'organisation' is chosen from the organisations list; 'person' is a named individual.
        kind: z.enum(['organisation', 'person']),
      }),
    )
    .min(1)
    .refine((fields) => fields.filter((f) => f.kind === 'organisation').length === 1, 'exactly one organisation field'),
  smart: text,
  statusKey: z.object({
    title: text,
    entries: z.array(z.object({
      code: z.number().int().min(1).max(9),
      label: text,
      // Other ways people write this status that name it and no other ("In progress"); see shared/keys.ts.
      shortForms: z.array(text).default([]),
    })).min(2),
    implementedCode: z.number().int(),
    needsReasonCodes: z.array(z.number().int()),
    // Statuses that have no agreed deadline (no plan to act, other): the deadline may be blank or "N/A".
    noDeadlineCodes: z.array(z.number().int()).default([]),
  }),
  priorityKey: z.object({
    title: text,
    entries: z.array(z.object({ label: text, meaning: text })).min(2),
  }),
  groups: z.array(z.object({ id: text, title: text })).min(1),
  recommendations: z
    .array(
      z.object({
        number: z.number().int().positive(),
        group: text,
        text,
        suggestedActions: z.array(text),
      }),
    )
    .min(1),
  notes: z.array(text),
  feedback: z.string(),
  contact: z.string(),
}).superRefine((t, ctx) => {
  const groups = new Set(t.groups.map((g) => g.id));
  t.recommendations.forEach((r, i) => {
    if (!groups.has(r.group)) ctx.addIssue({ code: 'custom', path: ['recommendations', i, 'group'], message: `unknown group "${r.group}"` });
    if (r.number !== i + 1) ctx.addIssue({ code: 'custom', path: ['recommendations', i, 'number'], message: 'recommendations are numbered 1, 2, 3… in order' });
  });
  const codes = t.statusKey.entries.map((e) => e.code);
  for (const c of [t.statusKey.implementedCode, ...t.statusKey.needsReasonCodes, ...t.statusKey.noDeadlineCodes]) {
    if (!codes.includes(c)) ctx.addIssue({ code: 'custom', path: ['statusKey'], message: `status code ${c} is not in the key` });
  }
  // A way of writing a status must name one code only, or a value people write could mean two.
  const owner = new Map<string, number>();
  for (const e of t.statusKey.entries) {
    for (const form of statusForms(e)) {
      const other = owner.get(form);
      if (other !== undefined && other !== e.code) ctx.addIssue({ code: 'custom', path: ['statusKey'], message: `"${form}" would name status ${other} and ${e.code}` });
      owner.set(form, e.code);
    }
  }
});

export type Template = z.infer<typeof templateSchema>;
export type Recommendation = Template['recommendations'][number];

/** Parses and checks a template; throws a readable error naming the offending path. */
export function parseTemplate(data: unknown): Template {
  // jitless: a template is parsed once, and compiling a fast path for it costs more than the parse (every start).
  const result = templateSchema.safeParse(data, { jitless: true });
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid template:\n${lines.join('\n')}`);
  }
  return result.data;
}
