// The response schemas that hold a whole plan, apart from schemas.ts: zod takes ~30 ms to build the plan schema, so
// it is built when a route first needs it (a plan sent as JSON, "Load my latest plan", the API description), not at
// every start of the service.
import { z } from 'zod';
import { planSchema } from '../../shared/planSchema';
import { organisationReviewStateSchema, receiptSchema, reviewSchema } from './schemas';

/** An organisation's latest version with its plan and where it stands (what the add-in's "Load my latest plan" uses). */
export const latestPlanSchema = z.object({
  receipt: receiptSchema,
  plan: planSchema,
  reviewState: organisationReviewStateSchema,
  review: reviewSchema.nullable(),
});
