// zod schemas of everything the API sends and receives. Responses are checked against them before they go out, and
// the OpenAPI document's components are generated from them, so the contract, the code and the docs cannot drift.
import { z } from 'zod';
import { ALL_CODES } from '../../shared/findings';

const nullableText = z.string().nullable();

export const findingSchema = z.object({
  code: z.enum(Object.keys(ALL_CODES) as [string, ...string[]]),
  severity: z.enum(['error', 'warning']),
  sheet: nullableText,
  cell: nullableText,
  recommendation: z.number().int().nullable(),
  field: nullableText,
  message: z.string(),
});

export const validationResultSchema = z.object({
  file: nullableText,
  valid: z.boolean(),
  readable: z.boolean(),
  template: z.object({ id: z.string(), version: z.number().int() }).nullable(),
  organisation: z.object({ code: z.string(), name: z.string() }).nullable(),
  findings: z.array(findingSchema),
});

export const receiptSchema = z.object({
  id: z.string(),
  organisation: z.object({ code: z.string(), name: z.string() }),
  version: z.number().int().positive(),
  receivedAt: z.string().datetime(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.enum(['xlsx', 'json']),
  warnings: z.array(findingSchema),
});

export const submissionSchema = z.object({ receipt: receiptSchema, result: validationResultSchema });

export const rejectedSubmissionSchema = z.object({ result: validationResultSchema });

export const organisationSchema = z.object({
  code: z.string(),
  name: z.string(),
  nation: z.string(),
  region: z.string(),
});

export const reviewStateSchema = z.enum(['accepted', 'changes-requested']);

export const reviewSchema = z.object({
  id: z.number().int(),
  submission: z.string(),
  organisation: z.string(),
  version: z.number().int().positive(),
  state: reviewStateSchema,
  comment: z.string(),
  reviewer: z.string(),
  reviewedAt: z.string().datetime(),
});

/** What the national team sends to review a version; a comment is needed when changes are requested. */
export const newReviewSchema = z.object({
  state: reviewStateSchema,
  comment: z.string().trim().max(5000).default(''),
  reviewer: z.string().trim().min(1, 'give the reviewer\'s name').max(100),
}).strict().refine((r) => r.state !== 'changes-requested' || r.comment !== '', { message: 'say in the comment which changes are needed', path: ['comment'] });

/** Where an organisation's plan stands with the national team: its latest version's latest review. */
export const organisationReviewStateSchema = z.enum(['not-returned', 'awaiting-review', 'accepted', 'changes-requested']);

export const adminOrganisationSchema = organisationSchema.extend({
  hasKey: z.boolean(),
  latest: receiptSchema.nullable(),
  reviewState: organisationReviewStateSchema,
  review: reviewSchema.nullable(),
  /** Expected to return a plan this round (only expected organisations count as not returned). */
  expected: z.boolean(),
  /** Where reminders go. */
  contacts: z.array(z.string()),
});

export const historySchema = z.object({
  organisation: z.object({ code: z.string(), name: z.string() }),
  reviewState: organisationReviewStateSchema,
  /** Newest first. */
  versions: z.array(z.object({
    receipt: receiptSchema,
    valid: z.boolean(),
    errors: z.number().int(),
    warnings: z.number().int(),
    /** The version's latest review, null when not reviewed. */
    review: reviewSchema.nullable(),
    /** Every review of the version, oldest first. */
    reviews: z.array(reviewSchema),
  })),
});

export const planChangeSchema = z.object({
  kind: z.enum(['added', 'removed', 'changed', 'lead']),
  recommendation: z.number().int().nullable(),
  row: z.number().int().nullable(),
  action: z.string().nullable(),
  field: z.string().nullable(),
  fieldLabel: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  deadlineLater: z.boolean(),
});

export const diffSchema = z.object({
  from: receiptSchema,
  to: receiptSchema,
  summary: z.object({
    added: z.number().int(), removed: z.number().int(), changed: z.number().int(), leads: z.number().int(), deadlinesLater: z.number().int(),
  }),
  changes: z.array(planChangeSchema),
});

/** ok false (with a 503) when storage cannot be read or written, or has no room for another upload; `problem` says which. */
export const healthSchema = z.object({ ok: z.boolean(), version: z.string(), problem: z.string().optional() });
export const issuedKeySchema = z.object({ code: z.string(), key: z.string() });
export const countSchema = z.object({ count: z.number().int() });

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const odsCodeSchema = z.string().regex(/^[A-Za-z0-9]{3,5}$/, 'an ODS code is 3 to 5 letters and digits');

