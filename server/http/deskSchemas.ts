// zod schemas of the national team's desk (issue 13): the round, organisation settings, the dashboard's figures and
// reminders. Responses are checked against them before they go out; openapi.ts generates their components from here.
import { z } from 'zod';
import { isIsoDate } from '../../shared/cells';

import { REMINDER_KINDS } from '../desk/reminders';

const isoDay = z.string().refine(isIsoDate, 'a date written yyyy-mm-dd');

export const roundSettingsSchema = z.object({
  deadline: isoDay.nullable(),
  remindDaysBefore: z.number().int().min(1).max(90).nullable(),
  remindWeeklyAfter: z.boolean(),
}).strict();

export const roundSchema = roundSettingsSchema.extend({
  /** Whether the service can send e-mail (an SMTP server is set). */
  remindersOn: z.boolean(),
});

/** What the admin may change of one organisation; contacts as a list, or as text separated by ; , or spaces. */
export const organisationSettingsSchema = z.object({
  expected: z.boolean().optional(),
  contacts: z.union([z.array(z.string().max(254)).max(50), z.string().max(5000)]).optional(),
}).strict();

export const organisationRoundSchema = z.object({ code: z.string(), expected: z.boolean(), contacts: z.array(z.string()) });

const countOf = z.number().int().nonnegative();
export const dashboardSchema = z.object({
  today: z.string(),
  deadline: z.string().nullable(),
  organisations: countOf,
  expected: countOf,
  expectedReturned: countOf,
  notReturned: countOf,
  returnedNotExpected: countOf,
  timeline: z.array(z.object({ day: z.string(), returned: countOf.nullable() })),
  areas: z.array(z.object({
    area: z.string(),
    kind: z.enum(['nation', 'region', 'total']),
    expected: countOf, expectedReturned: countOf, notReturned: countOf, returned: countOf, valid: countOf, overdue: countOf,
    overdueByRecommendation: z.array(countOf),
  })),
  recommendations: z.array(z.object({
    recommendation: z.number().int(),
    actions: countOf,
    byStatus: z.array(z.object({ label: z.string(), count: countOf })),
    byPriority: z.array(z.object({ label: z.string(), count: countOf })),
    overdue: countOf,
  })),
  mostOverdue: z.array(z.object({ code: z.string(), name: z.string(), area: z.string(), overdue: countOf })),
});

export const reminderKindSchema = z.enum(REMINDER_KINDS);

export const reminderPreviewSchema = z.object({
  kind: reminderKindSchema,
  remindersOn: z.boolean(),
  reminders: z.array(z.object({ code: z.string(), name: z.string(), to: z.array(z.string()), subject: z.string(), text: z.string() })),
});

export const sendRemindersSchema = z.object({
  kind: reminderKindSchema,
  /** Only these organisations (of those due); default all due. */
  codes: z.array(z.string().max(10)).max(5000).optional(),
}).strict();

export const sendResultSchema = z.object({
  sent: countOf,
  failed: countOf,
  skipped: countOf,
  outcomes: z.array(z.object({
    code: z.string(), kind: reminderKindSchema, to: z.array(z.string()), outcome: z.enum(['sent', 'failed', 'skipped']), error: z.string().optional(),
  })),
});

export const messageSchema = z.object({
  at: z.string(), kind: z.string(), organisation: z.string(), recipients: z.array(z.string()), subject: z.string(),
  trigger: z.enum(['manual', 'schedule', 'command line']), outcome: z.enum(['sent', 'failed']), error: z.string().nullable(),
});

