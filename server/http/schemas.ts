// zod schemas of everything the API sends and receives. Responses are checked against them before they go out, and
// the OpenAPI document's components are generated from them, so the contract, the code and the docs cannot drift.
import { z } from 'zod';
import { ALL_CODES } from '../../shared/findings';
import { planSchema } from '../../shared/plan';

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

export const adminOrganisationSchema = organisationSchema.extend({
  hasKey: z.boolean(),
  latest: receiptSchema.nullable(),
});

/** ok false (with a 503) when storage cannot be read or written, or has no room for another upload; `problem` says which. */
export const healthSchema = z.object({ ok: z.boolean(), version: z.string(), problem: z.string().optional() });
export const issuedKeySchema = z.object({ code: z.string(), key: z.string() });
export const countSchema = z.object({ count: z.number().int() });

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const odsCodeSchema = z.string().regex(/^[A-Za-z0-9]{3,5}$/, 'an ODS code is 3 to 5 letters and digits');

export { planSchema };
