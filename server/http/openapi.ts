// The OpenAPI 3.1 document served at /api/openapi.json. Paths are written by hand beside the routes (app.ts); the
// component schemas are generated from the zod schemas the routes check their bodies with.
import { z } from 'zod';
import {
  adminOrganisationSchema, countSchema, diffSchema, errorSchema, findingSchema, healthSchema, historySchema, issuedKeySchema,
  newReviewSchema, organisationSchema, receiptSchema, rejectedSubmissionSchema, reviewSchema, submissionSchema,
  validationResultSchema,
} from './schemas';
import { planSchema } from '../../shared/planSchema';
import { latestPlanSchema } from './planSchemas';
import {
  dashboardSchema, messageSchema, organisationRoundSchema, organisationSettingsSchema, reminderPreviewSchema, roundSchema,
  roundSettingsSchema, sendRemindersSchema, sendResultSchema,
} from './deskSchemas';
import { REMINDER_KINDS } from '../desk/reminders';

const COMPONENTS: Record<string, z.ZodType> = {
  Finding: findingSchema, ValidationResult: validationResultSchema, Receipt: receiptSchema, Submission: submissionSchema,
  RejectedSubmission: rejectedSubmissionSchema, Organisation: organisationSchema, AdminOrganisation: adminOrganisationSchema,
  Health: healthSchema, IssuedKey: issuedKeySchema, Count: countSchema, Error: errorSchema, Plan: planSchema,
  History: historySchema, Diff: diffSchema, LatestPlan: latestPlanSchema, Review: reviewSchema, NewReview: newReviewSchema,
  RoundSettings: roundSettingsSchema, Round: roundSchema, OrganisationSettings: organisationSettingsSchema,
  OrganisationRound: organisationRoundSchema, Dashboard: dashboardSchema, ReminderPreview: reminderPreviewSchema,
  SendReminders: sendRemindersSchema, SendResult: sendResultSchema, Message: messageSchema,
};

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => {
    const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
    return [id, rest];
  }));
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const binary = { type: 'string', contentMediaType: 'application/octet-stream' };

const planBody = {
  required: true,
  description: 'The workbook (raw .xlsx body, or multipart/form-data with a field "file"), or a plan as JSON (what the add-in sends).',
  content: {
    [XLSX]: { schema: binary },
    'application/octet-stream': { schema: binary },
    'multipart/form-data': { schema: { type: 'object', properties: { file: binary }, required: ['file'] } },
    'application/json': { schema: ref('Plan') },
  },
};

const keyErrors = {
  401: error('No key, or a wrong or revoked key.'),
  429: error('Too many requests from this client or with this key.'),
};
const adminErrors = { ...keyErrors, 403: error('The key is not the admin key.') };
const secured = [{ bearer: [] }];
const codeParam = { name: 'code', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9]{3,5}$' }, description: 'ODS code' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Submission id (from its receipt)' };

let cached: Record<string, unknown> | undefined;

export function openApiDocument(version: string): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'NAoMe local action plan service',
      version,
      description: 'Check, submit and collate NAoMe local action plans. Errors are {"error": {"code", "message"}}. ' +
        'Authenticate with "Authorization: Bearer <key>": an organisation key acts for its organisation, the admin key for the national team.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An organisation key or the admin key.' } },
      schemas: componentSchemas(),
    },
    paths: {
      '/api/health': { get: { summary: 'Is the service up', responses: { 200: json(ref('Health'), 'Up.') } } },
      '/api/organisations': {
        get: { summary: 'The organisations that can return a plan', responses: { 200: json({ type: 'array', items: ref('Organisation') }, 'The list.') } },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1 document.' } } } },
      '/template.xlsx': {
        get: {
          summary: 'The blank plan workbook, pre-filled with the organisation when org is given',
          parameters: [{ name: 'org', in: 'query', required: false, schema: { type: 'string' }, description: 'ODS code' }],
          responses: { 200: { description: 'The workbook.', content: { [XLSX]: { schema: binary } } }, 400: error('Unknown organisation.') },
        },
      },
      '/api/validate': {
        post: {
          summary: 'Check a plan; stores nothing',
          requestBody: planBody,
          responses: {
            200: json(ref('ValidationResult'), 'The plan was read (valid or not).'),
            400: error('JSON that is not a plan, or a malformed form.'),
            413: error('Too large.'),
            415: error('Unsupported Content-Type.'),
            422: json(ref('ValidationResult'), 'The file could not be read as a plan (readable: false, one file finding).'),
            429: error('Too many requests.'),
          },
        },
      },
      '/api/annotate': {
        post: {
          summary: 'The workbook sent, given back with its findings marked (a comment and highlight at each cell, a Findings sheet); stores nothing',
          requestBody: { ...planBody, description: 'The workbook (raw .xlsx body, or multipart/form-data with a field "file").' },
          responses: {
            200: { description: 'The same workbook, named NAME-checked.xlsx: only comments, highlights and the Findings sheet added.', content: { [XLSX]: { schema: binary } } },
            413: error('Too large.'),
            415: error('Not a workbook (NOT_A_WORKBOOK for a JSON plan), or an unsupported Content-Type.'),
            422: json(ref('ValidationResult'), 'The file could not be read as a plan (readable: false, one file finding).'),
            429: error('Too many requests.'),
          },
        },
      },
      '/api/submissions/{id}/annotated.xlsx': {
        get: {
          summary: 'A workbook submission as uploaded, with the findings it was stored with marked (named ODS-vN-YYYYMMDD-checked.xlsx)',
          security: secured, parameters: [idParam],
          responses: {
            200: { description: 'The original workbook with comments, highlights and a Findings sheet added.', content: { [XLSX]: { schema: binary } } },
            404: error('No such submission of yours.'),
            409: error('The version was sent as JSON: there is no workbook to mark (NOT_A_WORKBOOK).'),
            ...keyErrors,
          },
        },
      },
      '/api/submissions': {
        post: {
          summary: "Submit a plan with the organisation's key (idempotent)",
          security: secured,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' }, description: 'Sent again with the same body, answers with the receipt of the first request; with another body, 422 IDEMPOTENCY_KEY_REUSED.' }],
          requestBody: planBody,
          responses: {
            201: json(ref('Receipt'), 'Accepted and stored as the next version.'),
            200: json(ref('Receipt'), "The same bytes or plan as the organisation's latest version, or a retry with an Idempotency-Key already used: that version's receipt; nothing new stored (header Idempotent-Replayed: true)."),
            400: error('JSON that is not a plan, a malformed form, or a malformed Idempotency-Key.'),
            403: error("The plan is another organisation's, or the key is the admin key."),
            413: error('Too large.'),
            422: json(ref('RejectedSubmission'), 'The plan has errors or could not be read, or the Idempotency-Key was used with another body (an Error, IDEMPOTENCY_KEY_REUSED); nothing was stored.'),
            ...keyErrors,
          },
        },
        get: {
          summary: 'Receipts, newest first: own (organisation key) or all (admin key)',
          security: secured,
          responses: { 200: json({ type: 'array', items: ref('Receipt') }, 'Receipts.'), ...keyErrors },
        },
      },
      '/api/submissions/{id}': {
        get: {
          summary: 'One submission: its receipt and validate result',
          security: secured, parameters: [idParam],
          responses: { 200: json(ref('Submission'), 'The submission.'), 404: error('No such submission of yours.'), ...keyErrors },
        },
      },
      '/api/submissions/{id}/file': {
        get: {
          summary: 'The plan as a workbook rebuilt from what was checked (named ODS-vN-YYYYMMDD.xlsx)',
          security: secured, parameters: [idParam],
          responses: {
            200: { description: 'The plan workbook written by the service from the stored plan: values only, no formulas, links or extra parts.', content: { [XLSX]: { schema: binary } } },
            404: error('No such submission of yours.'),
            ...keyErrors,
          },
        },
      },
      '/api/submissions/{id}/original': {
        get: {
          summary: 'The original as uploaded: the bytes exactly as sent, kept as evidence (named ODS-vN-YYYYMMDD-original.xlsx or .json)',
          security: secured, parameters: [idParam],
          responses: {
            200: { description: 'The workbook or JSON plan exactly as sent. Not checked beyond what the plan was read from: it may hold formulas, links or other parts.', content: { [XLSX]: { schema: binary }, 'application/json': { schema: ref('Plan') } } },
            404: error('No such submission of yours.'),
            ...keyErrors,
          },
        },
      },
      '/api/submissions/{id}/diff': {
        get: {
          summary: 'What changed from another version of the same plan (by default the version before)',
          security: secured,
          parameters: [idParam, { name: 'against', in: 'query', required: false, schema: { type: 'string' }, description: 'The submission id of the version to compare with' }],
          responses: {
            200: json(ref('Diff'), 'Actions added and removed, field changes (deadline moved later marked), leads changed.'),
            400: error('The two versions are of different organisations.'),
            404: error('No such submission of yours, or the version is the first (NO_EARLIER_VERSION).'),
            ...keyErrors,
          },
        },
      },
      '/api/submissions/{id}/reviews': {
        get: {
          summary: "The national team's reviews of a version, oldest first",
          security: secured, parameters: [idParam],
          responses: { 200: json({ type: 'array', items: ref('Review') }, 'Reviews.'), 404: error('No such submission of yours.'), ...keyErrors },
        },
        post: {
          summary: 'Review a version: accepted, or changes requested with a comment (admin); reviews are kept, never changed',
          security: secured, parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('NewReview') } } },
          responses: { 201: json(ref('Review'), 'Recorded.'), 400: error('Not a review (BAD_REVIEW says what is missing).'), 404: error('No such submission.'), ...adminErrors },
        },
      },
      '/api/organisations/{code}/history': {
        get: {
          summary: "Every version of an organisation's plan with its checks and reviews, newest first (own, or admin)",
          security: secured, parameters: [codeParam],
          responses: {
            200: json(ref('History'), 'The history.'),
            403: error("Another organisation's (OTHER_ORGANISATION)."),
            404: error('Unknown organisation.'),
            ...keyErrors,
          },
        },
      },
      '/api/organisations/{code}/latest': {
        get: {
          summary: "The latest version's receipt, plan model and review state (own, or admin): what the add-in loads",
          security: secured, parameters: [codeParam],
          responses: {
            200: json(ref('LatestPlan'), 'The latest version.'),
            403: error("Another organisation's (OTHER_ORGANISATION)."),
            404: error('Unknown organisation, or no plan submitted yet (NO_PLAN).'),
            ...keyErrors,
          },
        },
      },
      '/api/organisations/{code}/plan.xlsx': {
        get: {
          summary: 'The latest submitted plan as a filled workbook in the current template, to carry on from (own, or admin)',
          security: secured, parameters: [codeParam],
          responses: {
            200: { description: 'The workbook (named ODS-vN-YYYYMMDD-latest.xlsx).', content: { [XLSX]: { schema: binary } } },
            403: error("Another organisation's (OTHER_ORGANISATION)."),
            404: error('Unknown organisation, or no plan submitted yet (NO_PLAN).'),
            ...keyErrors,
          },
        },
      },
      '/api/admin/organisations': {
        get: {
          summary: 'Organisations with key, latest submission and review state (admin)',
          parameters: [{ name: 'review', in: 'query', required: false, schema: { type: 'string', enum: ['not-returned', 'awaiting-review', 'accepted', 'changes-requested'] }, description: 'Only the organisations in this review state' }],
          security: secured,
          responses: { 200: json({ type: 'array', items: ref('AdminOrganisation') }, 'The list.'), ...adminErrors },
        },
        put: {
          summary: 'Replace the organisations list from CSV (admin)',
          security: secured,
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } }, description: 'Columns ods_code,name,nation,nhs_england_region.' },
          responses: { 200: json(ref('Count'), 'Replaced.'), 400: error('The CSV is not a valid list (the message names the line).'), ...adminErrors },
        },
      },
      '/api/admin/organisations/{code}/key': {
        post: {
          summary: "Issue a new key for an organisation (admin); the old one stops working. Shown once.",
          security: secured, parameters: [codeParam],
          responses: { 201: json(ref('IssuedKey'), 'The new key.'), 404: error('Unknown organisation.'), ...adminErrors },
        },
        delete: {
          summary: "Revoke an organisation's key (admin)",
          security: secured, parameters: [codeParam],
          responses: { 204: { description: 'Revoked.' }, 404: error('Unknown organisation.'), ...adminErrors },
        },
      },
      '/api/admin/organisations/{code}': {
        patch: {
          summary: "Set an organisation's expected flag and contact addresses for the round (admin)",
          security: secured, parameters: [codeParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('OrganisationSettings') } } },
          responses: {
            200: json(ref('OrganisationRound'), 'Saved.'),
            400: error('Not a yes/no, or a contact that is not an e-mail address (named); nothing changed.'),
            404: error('Unknown organisation.'),
            ...adminErrors,
          },
        },
      },
      '/api/admin/round': {
        get: { summary: "The round's deadline and reminder schedule, and whether e-mail is on (admin)", security: secured, responses: { 200: json(ref('Round'), 'The round.'), ...adminErrors } },
        put: {
          summary: "Set the round's deadline and reminder schedule (admin)",
          security: secured,
          requestBody: { required: true, content: { 'application/json': { schema: ref('RoundSettings') } } },
          responses: { 200: json(ref('Round'), 'Saved.'), 400: error('Not a date, or days outside 1–90 (named); nothing changed.'), ...adminErrors },
        },
      },
      '/api/dashboard': {
        get: {
          summary: "The round's figures as the admin page's dashboard draws them: returns over time, by nation and region, status and priority per recommendation, overdue actions (admin)",
          security: secured,
          responses: { 200: json(ref('Dashboard'), 'The figures (the same as the collation workbook\'s Summary).'), ...adminErrors },
        },
      },
      '/api/admin/reminders': {
        get: {
          summary: 'Preview the reminders of a kind due now: to whom, subject and text (admin)',
          security: secured,
          parameters: [{ name: 'kind', in: 'query', required: true, schema: { type: 'string', enum: [...REMINDER_KINDS] } }],
          responses: { 200: json(ref('ReminderPreview'), 'The reminders due.'), 400: error('No or unknown kind.'), ...adminErrors },
        },
        post: {
          summary: 'Send the reminders of a kind due now (to all, or to the codes given); every message is recorded (admin)',
          security: secured,
          requestBody: { required: true, content: { 'application/json': { schema: ref('SendReminders') } } },
          responses: {
            200: json(ref('SendResult'), 'What happened to each: sent, failed (with the reason; recorded as failed, never as sent) or skipped (no contact).'),
            400: error('No or unknown kind.'),
            409: error('A send is already under way.'),
            503: error('Reminders are off: no SMTP server set.'),
            ...adminErrors,
          },
        },
      },
      '/api/admin/reminders.csv': {
        get: {
          summary: 'The reminders of a kind due now as CSV, for sending by hand (admin)',
          security: secured,
          parameters: [{ name: 'kind', in: 'query', required: true, schema: { type: 'string', enum: [...REMINDER_KINDS] } }],
          responses: { 200: { description: 'CSV (UTF-8 with BOM): ods_code, name, kind, contacts, subject.', content: { 'text/csv': { schema: { type: 'string' } } } }, 400: error('No or unknown kind.'), ...adminErrors },
        },
      },
      '/api/admin/messages': {
        get: { summary: 'Every reminder sent or tried, newest first (at most 500) (admin)', security: secured, responses: { 200: json({ type: 'array', items: ref('Message') }, 'The record.'), ...adminErrors } },
      },
      '/api/collation.xlsx': {
        get: {
          summary: "The national workbook from each organisation's latest submission (admin)",
          security: secured,
          responses: { 200: { description: 'Workbook.', content: { [XLSX]: { schema: binary } } }, ...adminErrors },
        },
      },
      '/api/collation.csv': {
        get: {
          summary: "The Actions CSV from each organisation's latest submission (admin)",
          security: secured,
          responses: { 200: { description: 'CSV (UTF-8 with BOM).', content: { 'text/csv': { schema: { type: 'string' } } } }, ...adminErrors },
        },
      },
    },
  };
  return cached;
}
