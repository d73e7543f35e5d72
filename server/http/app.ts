// The service's Express app: routes exactly as docs/api.md, with security headers, rate limits, bounded bodies and
// structured logs. Holds no state of its own beyond caches: everything lasting is in the Store.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import { todayIso } from '../../shared/cells';
import { parseOrganisationsCsv, type Organisation } from '../../shared/organisations';
import { builtInTemplates, currentTemplate, findTemplate, type Template } from '../../shared/template';
import { carryPlan } from '../../shared/carryPlan';
import { PLAN_SHEET } from '../../shared/layout';
import { diffPlans, diffSummary } from '../../shared/planDiff';
import { ADMIN, issueKey } from '../keys';
import { projectFile } from '../projectFiles';
import { isIdempotencyConflict, type Receipt, type Review, type Store, type SubmitOutcome } from '../store/types';
import type { Mailer } from '../desk/mailer';
import { nhsukFrontend } from '../pages/nhsukFrontend';
import { sharedParts } from '../pages/sharedParts';
import { adminOnly, organisationOnly, ownerOf, principalOf, requireKey } from './auth';
import { deskRouter } from './desk';
import { clientGone, queuedCheck, type CheckFn, type CheckOptions, type CheckRequest } from './check';
import { HttpError, errorHandler, sendError } from './errors';
import { StaticFiles } from './staticFiles';
import {
  adminOrganisationSchema, countSchema, diffSchema, historySchema, newReviewSchema, organisationReviewStateSchema, reviewSchema, healthSchema, issuedKeySchema, odsCodeSchema, organisationSchema, receiptSchema,
  rejectedSubmissionSchema, submissionSchema, validationResultSchema,
} from './schemas';
import { MemoryBudget, XLSX_TYPE, readUpload } from './uploads';
import { DEFAULT_SERVICE_LIMITS, formatBytes, type ServiceLimits } from '../xlsx/limits';

export const VERSION: string = JSON.parse(readFileSync(projectFile('package.json'), 'utf8')).version;

/** The service's limits: all of them live in server/xlsx/limits.ts, with the reader's. */
export type Limits = ServiceLimits;
export const DEFAULT_LIMITS: Limits = DEFAULT_SERVICE_LIMITS;

export interface AppOptions {
  store: Store;
  logger?: Logger;
  limits?: Partial<Limits>;
  /** Today's date, ISO (for the rules and collation); default the real today. */
  today?: () => string;
  templates?: Template[];
  /** Checks an upload; default in this process. The server may pass a worker pool's. */
  check?: CheckFn;
  /** Where the pages and the built add-in are; defaults are the repository's. */
  pagesDir?: string;
  addinDir?: string;
  officeJsDir?: string;
  /** Express "trust proxy" (set when running behind a TLS proxy, so rate limits see real client addresses). */
  trustProxy?: boolean | number | string;
  /** The reminders' mailer, made on first use; undefined: reminders are off (no SMTP server set). */
  mailer?: () => Promise<Mailer>;
  /** The service's address as people open it, for links in reminder e-mails. */
  publicUrl?: string;
}

/** Hosts that frame an add-in's task pane in Office on the web. */
const OFFICE_FRAME_ANCESTORS = [
  "'self'", 'https://*.office.com', 'https://*.officeapps.live.com', 'https://*.office365.com', 'https://*.sharepoint.com',
  'https://*.microsoft.com', 'https://*.cloud.microsoft', 'https://*.live.com',
];

/** Validates a response body against its schema before it goes out: a mismatch is our bug, so it surfaces loudly. */
function reply<T>(res: Response, status: number, schema: z.ZodType<T>, body: T): void {
  res.status(status).json(schema.parse(body));
}

const asyncRoute = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** todayIso(), worked out at most once a second: formatting a date in the UK's time zone on every request costs. */
function todayEachSecond(): () => string {
  let at = -Infinity;
  let value = '';
  return () => {
    const now = Date.now();
    if (now - at >= 1000) { value = todayIso(); at = now; }
    return value;
  };
}

/**
 * Whether two reads of the list are the same list (what the workbook's dropdown is made from): the same array while
 * the SQLite engine's cache holds, else compared field by field (PostgreSQL reads the list afresh each time).
 */
const sameOrganisations = (a: Organisation[], b: Organisation[] | undefined) => a === b || (b !== undefined && a.length === b.length
  && a.every((o, i) => o.code === b[i]!.code && o.name === b[i]!.name && o.nation === b[i]!.nation && o.region === b[i]!.region));

/** The plan workbook's writer: exceljs (~0.5 s to load) only when a workbook is first asked for, not at every start. */
const planWriter = () => import('../xlsx/writePlanWorkbook');
// Likewise what only some routes need (each a few ms to load on its first request): the service answers sooner after
// a start. The API description brings zod's JSON Schema converter, and with it the whole of zod (~0.5 MB).
const annotator = () => import('../xlsx/annotate');
const apiDescription = () => import('./openapi');
const planSchemas = () => import('./planSchemas');
const collationWorkbook = async () => {
  const [{ storeCollation }, { writeCollationWorkbook }] = await Promise.all([import('../collate/fromStore'), import('../collate/workbook')]);
  return { storeCollation, writeCollationWorkbook };
};
const collationCsv = () => import('../collate/csvThread');
/** A path with anything shaped like a key removed, checked as sent and as decoded (once or twice): %61 is "a". */
export function redactKeys(path: string): string {
  const key = /naome_\w+?_[A-Za-z0-9_-]{8,}/gi;
  let decoded = path;
  for (let i = 0; i < 3; i++) {
    let next = decoded;
    try { next = decodeURIComponent(decoded); } catch { /* keep what decodes */ }
    if (next === decoded) break;
    decoded = next;
  }
  // A key hidden by encoding: log the decoded path, with the key removed.
  return decoded.replace(/[\u0000-\u001f\u007f]/g, '?').replace(key, '[key removed]');
}

export function createApp(opts: AppOptions) {
  const { store } = opts;
  const { round } = store;
  const logger = opts.logger ?? pino({ level: 'info' });
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const today = opts.today ?? todayEachSecond();
  const templates = opts.templates ?? builtInTemplates;
  const check = opts.check ?? queuedCheck(undefined, { ...limits, concurrency: 1 });
  const budget = new MemoryBudget(limits.uploadMemoryBytes);
  const pagesDir = opts.pagesDir ?? projectFile('server/pages');
  const addinDir = opts.addinDir ?? projectFile('dist/addin');
  const officeJsDir = opts.officeJsDir ?? projectFile('node_modules/@microsoft/office-js/dist');
  const checkOptions = async (): Promise<CheckOptions> => ({
    organisations: await store.organisations(), today: today(), templates, readLimits: { maxBytes: limits.maxUploadBytes, timeoutMs: limits.readTimeoutMs },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy ?? false);
  app.set('etag', false);

  // ── logs: method, path without query, status, time, organisation — never a key, never plan content ─────────────
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({
        method: req.method,
        // A key pasted into a URL by mistake must not reach the logs either, however it was percent-encoded.
        path: redactKeys(req.originalUrl.split('?')[0]!).slice(0, 200),
        status: res.writableFinished ? res.statusCode : 499,
        ms: Math.round(ms * 10) / 10,
        org: ownerOf(res),
      }, 'request');
    });
    next();
  });

  // ── security headers: strict everywhere; the add-in may load Office.js from Microsoft and be framed by Office ──────
  const siteHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'"],
        connectSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  const addinHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'", 'https://appsforoffice.microsoft.com'],
        styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'"], connectSrc: ["'self'"],
        frameSrc: ["'self'", 'https://appsforoffice.microsoft.com', 'https://*.office.com', 'https://*.officeapps.live.com'],
        objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: OFFICE_FRAME_ANCESTORS,
      },
    },
    // Office frames the task pane and fetches the ribbon icons from its own origin.
    frameguard: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginOpenerPolicy: { policy: 'unsafe-none' },
  });
  app.use((req, res, next) => (req.path.startsWith('/addin/') || req.path === '/addin' ? addinHeaders : siteHeaders)(req, res, next));

  // ── rate limits: separate buckets, so that behind one NAT address neither monitoring nor a working key is starved ──
  // by keyless traffic: health per address, keyless requests per address, working keys per key, wrong keys per address.
  const tooMany = (req: Request, res: Response) =>
    sendError(res, 429, 'TOO_MANY_REQUESTS', 'Too many requests: wait a minute and try again.');
  // The store may share the counts between server processes (PostgreSQL); else each process counts its own.
  const bucket = (name: string, limit: number, keyGenerator?: (req: Request, res: Response) => string) => rateLimit({
    windowMs: limits.windowMs, limit, standardHeaders: 'draft-7', legacyHeaders: false, handler: tooMany, store: store.rateLimitStore(name),
    ...(keyGenerator ? { keyGenerator, validate: { keyGeneratorIpFallback: false } } : {}),
  });
  const healthLimit = bucket('health', limits.healthPerClient);
  const perClient = bucket('client', limits.perClient);
  const perKey = bucket('key', limits.perKey, (_req, res) => `key:${ownerOf(res)}`);
  const badKeys = bucket('bad-key', limits.badKeysPerClient);
  app.use(['/api', '/template.xlsx'], (req, res, next) => {
    if (req.path === '/health' && req.baseUrl === '/api') return healthLimit(req, res, next);
    if (req.headers.authorization) return next(); // counted below, by key or (when it does not work) by address
    return perClient(req, res, next);
  });
  const keyed = [requireKey(store, badKeys), perKey];
  const admin = [...keyed, adminOnly];

  /**
   * Who asked (their key's owner, else their address: organisations behind one NAT keep their own share of the
   * queue), and a signal that fires if they hang up before the answer: their check is then dropped.
   */
  const checkRequest = (req: Request, res: Response): CheckRequest => {
    const gone = new AbortController();
    res.once('close', () => { if (!res.writableFinished) gone.abort(clientGone()); });
    const owner = ownerOf(res);
    return { client: owner ? `key:${owner}` : `ip:${req.ip ?? ''}`, signal: gone.signal };
  };
  const uploadOf = (req: Request, res: Response) => readUpload(req, res, limits, budget);

  // ── public ───────────────────────────────────────────────────────────────────────────────────────────────────────
  // Storage checked as it is (a read and a write), at most once per healthCacheMs.
  let health: { at: number; problem: string | null } = { at: -Infinity, problem: null };
  app.get('/api/health', asyncRoute(async (_req, res) => {
    if (Date.now() - health.at >= limits.healthCacheMs) health = { at: Date.now(), problem: await store.storageProblem(limits.maxUploadBytes) };
    if (health.problem) {
      res.set('Retry-After', '30');
      return reply(res, 503, healthSchema, { ok: false, version: VERSION, problem: health.problem });
    }
    reply(res, 200, healthSchema, { ok: true, version: VERSION });
  }));

  app.get('/api/organisations', asyncRoute(async (_req, res) => reply(res, 200, organisationSchema.array(), await store.organisations())));

  app.get('/api/openapi.json', asyncRoute(async (_req, res) => { res.json((await apiDescription()).openApiDocument(VERSION)); }));

  const templateCache = new Map<string, Buffer>();
  let templateListFor: Organisation[] | undefined;
  app.get('/template.xlsx', asyncRoute(async (req, res) => {
    const raw = req.query.org;
    if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'BAD_ORGANISATION', 'Give one organisation: ?org=ODS_CODE.');
    const code = raw ? raw.trim().toUpperCase() : '';
    const organisations = await store.organisations();
    if (code && !organisations.some((o) => o.code === code)) {
      throw new HttpError(400, 'UNKNOWN_ORGANISATION', `"${raw!.slice(0, 20)}" is not an organisation on the list. Pick your organisation's ODS code from /api/organisations, or leave org out for a blank workbook.`);
    }
    // The workbook's dropdown holds the list: a new list (from any server process) empties the cache.
    if (!sameOrganisations(organisations, templateListFor)) { templateCache.clear(); templateListFor = organisations; }
    let bytes = templateCache.get(code);
    if (!bytes) {
      const { writePlanWorkbook } = await planWriter();
      bytes = await writePlanWorkbook({ template: currentTemplate, organisations, organisation: code || undefined });
      if (templateCache.size > 300) templateCache.clear();
      templateCache.set(code, bytes);
    }
    const name = `naome-action-plan-${currentTemplate.id.replace(/^naome-/, '')}${code ? `-${code}` : ''}.xlsx`;
    res.status(200).type(XLSX_TYPE).attachment(name).send(bytes);
  }));

  app.post('/api/validate', asyncRoute(async (req, res) => {
    const request = checkRequest(req, res);
    const upload = await uploadOf(req, res);
    const { result } = await check(upload, await checkOptions(), request);
    reply(res, result.readable ? 200 : 422, validationResultSchema, result);
  }));

  /** The Idempotency-Key header, when sent: 1 to 200 visible ASCII characters (a UUID is usual). */
  const idempotencyKeyOf = (req: Request): string | undefined => {
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(raw)) {
      throw new HttpError(400, 'BAD_IDEMPOTENCY_KEY', 'The Idempotency-Key header must be 1 to 200 visible ASCII characters, such as a UUID made for this submission.');
    }
    return raw;
  };
  const idempotent = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (!isIdempotencyConflict(err)) throw err;
      throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different plan. Make a new key for each new submission; send the same key only to retry the same submission.');
    }
  };

  // The uploaded workbook given back with its findings marked (comments, highlights, a Findings sheet); stores nothing.
  app.post('/api/annotate', asyncRoute(async (req, res) => {
    const request = checkRequest(req, res);
    const upload = await uploadOf(req, res);
    if (upload.format !== 'xlsx') {
      throw new HttpError(415, 'NOT_A_WORKBOOK', 'Send the workbook itself (.xlsx): the findings are marked in it. A plan sent as JSON has no cells to mark.');
    }
    const { result } = await check(upload, await checkOptions(), request);
    if (!result.readable) return reply(res, 422, validationResultSchema, result);
    const bytes = await (await annotator()).annotateWorkbook(upload.bytes, result.findings, PLAN_SHEET);
    const base = (upload.fileName ?? 'workbook.xlsx').replace(/\.xlsx$/i, '').replace(/[^\w.-]+/g, '-').slice(0, 80) || 'workbook';
    res.status(200).type(XLSX_TYPE).attachment(`${base}-checked.xlsx`).send(bytes);
  }));

  /** An organisation's quota over the last 24 hours: versions stored, and bytes (with this upload). */
  const refuseOverQuota = async (code: string, bytes: number) => {
    const used = await store.usageSince(code, new Date(Date.now() - 24 * 3600_000).toISOString());
    if (used.versions >= limits.quotaVersionsPerDay || used.bytes + bytes > limits.quotaBytesPerDay) {
      const versions = (n: number) => `${n} ${n === 1 ? 'version' : 'versions'}`;
      throw new HttpError(429, 'QUOTA_EXCEEDED',
        `${code} has stored ${versions(used.versions)} (${formatBytes(used.bytes)}) in the last 24 hours; the quota is ${versions(limits.quotaVersionsPerDay)} and ${formatBytes(limits.quotaBytesPerDay)} a day per organisation. Your latest version is kept: try again tomorrow, or ask the national team to raise the quota.`,
        { 'Retry-After': '3600' });
    }
  };

  // ── organisation key (admin sees everything) ─────────────────────────────────────────────────────────────────────
  app.post('/api/submissions', ...keyed, organisationOnly, asyncRoute(async (req, res) => {
    const me = principalOf(res);
    const code = me.kind === 'organisation' ? me.code : '';
    const idempotencyKey = idempotencyKeyOf(req);
    const request = checkRequest(req, res);
    await refuseOverQuota(code, Number(req.headers['content-length']) || 0);
    const upload = await uploadOf(req, res);
    const receivedAt = new Date().toISOString();
    const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
    // A resend (the same key, or the same bytes as the latest version) is answered from the store, unchecked.
    const earlier = await idempotent(async () => (idempotencyKey ? await store.replayOf(code, idempotencyKey, sha256) : undefined) ?? await store.latestWithSha(code, sha256));
    if (earlier) return sendReceipt(res, { receipt: earlier, replayed: true });
    await refuseOverQuota(code, upload.bytes.length);
    const { result, plan } = await check(upload, await checkOptions(), request);
    if (result.organisation && result.organisation.code !== code) {
      throw new HttpError(403, 'WRONG_ORGANISATION',
        `This plan is for ${result.organisation.code} but the key is ${code}'s. Submit it with ${result.organisation.code}'s own key, or correct the organisation in the plan.`);
    }
    if (!result.readable || !result.valid || !plan || !result.organisation) {
      return reply(res, 422, rejectedSubmissionSchema, { result });
    }
    const outcome = await idempotent(() => store.submitOnce({
      organisation: result.organisation!, receivedAt, sha256, format: upload.format, fileName: upload.fileName, bytes: upload.bytes, plan, result,
    }, idempotencyKey ? { key: idempotencyKey, sha256 } : undefined));
    sendReceipt(res, outcome);
  }));

  /** 201 for a new version; 200 (and Idempotent-Replayed) when the plan was already the latest version. */
  const sendReceipt = (res: Response, outcome: SubmitOutcome) => {
    res.location(`/api/submissions/${outcome.receipt.id}`);
    if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
    reply(res, outcome.replayed ? 200 : 201, receiptSchema, outcome.receipt);
  };

  app.get('/api/submissions', ...keyed, asyncRoute(async (_req, res) => {
    const me = principalOf(res);
    reply(res, 200, receiptSchema.array(), await store.receipts(me.kind === 'admin' ? undefined : me.code));
  }));

  /**
   * A submission the caller may see (its own organisation's, or any with the admin key); otherwise 404: another
   * organisation's looks exactly like one that does not exist.
   */
  const visibleSubmission = async (res: Response, id: string) => {
    const me = principalOf(res);
    const found = id.length <= 100 ? await store.submission(id) : undefined;
    if (!found || (me.kind === 'organisation' && found.receipt.organisation.code !== me.code)) {
      throw new HttpError(404, 'NOT_FOUND', 'No submission of yours has that id.');
    }
    return found;
  };

  app.get('/api/submissions/:id', ...keyed, asyncRoute(async (req, res) => {
    const found = await visibleSubmission(res, req.params.id as string);
    reply(res, 200, submissionSchema, { receipt: found.receipt, result: found.result });
  }));

  /** Our name for a submission's file, never the uploader's: ODS-vN-YYYYMMDD (the UK day it was received). */
  const fileNameOf = (receipt: Receipt, suffix: string, ext: string) =>
    `${receipt.organisation.code}-v${receipt.version}-${todayIso(new Date(receipt.receivedAt)).replace(/-/g, '')}${suffix}.${ext}`;

  // The file to work from: the plan rebuilt by our writer from what was checked, never the uploaded bytes (which can
  // carry formulas, external links and extra parts the check does not read).
  app.get('/api/submissions/:id/file', ...keyed, asyncRoute(async (req, res) => {
    const found = await visibleSubmission(res, req.params.id as string);
    const { writeFilledPlan } = await planWriter();
    const bytes = await writeFilledPlan(found.plan, { organisations: await store.organisations(), templates });
    res.status(200).type(XLSX_TYPE).attachment(fileNameOf(found.receipt, '', 'xlsx')).send(bytes);
  }));

  // The workbook as uploaded with the findings it was stored with marked (a workbook submission only).
  app.get('/api/submissions/:id/annotated.xlsx', ...keyed, asyncRoute(async (req, res) => {
    const found = await visibleSubmission(res, req.params.id as string);
    const file = (await store.storedFile(found.receipt.id))!;
    if (file.format !== 'xlsx') {
      throw new HttpError(409, 'NOT_A_WORKBOOK', 'This version was sent as JSON (from the add-in), so there is no workbook to mark: its findings are in GET /api/submissions/:id.');
    }
    const bytes = await (await annotator()).annotateWorkbook(file.bytes, found.result.findings, PLAN_SHEET);
    res.status(200).type(XLSX_TYPE).attachment(fileNameOf(found.receipt, '-checked', 'xlsx')).send(bytes);
  }));

  // Evidence: the bytes exactly as they arrived, explicitly labelled as such.
  app.get('/api/submissions/:id/original', ...keyed, asyncRoute(async (req, res) => {
    const { receipt } = await visibleSubmission(res, req.params.id as string);
    const file = (await store.storedFile(receipt.id))!;
    res.status(200).type(file.format === 'xlsx' ? XLSX_TYPE : 'application/json')
      .attachment(fileNameOf(receipt, '-original', file.format)).send(file.bytes);
  }));

  /** An organisation the caller may see: its own (organisation key) or any (admin key). */
  const ownOrganisation = async (res: Response, raw: string) => {
    const { code, organisation } = await knownOrganisation(raw);
    const me = principalOf(res);
    if (me.kind === 'organisation' && me.code !== code) {
      throw new HttpError(403, 'OTHER_ORGANISATION', `This key is ${me.code}'s: it shows ${me.code}'s own plans only, not ${code}'s.`);
    }
    return organisation;
  };

  /** Where an organisation's plan stands: its latest version's latest review. */
  const reviewStateOf = (latest: Receipt | undefined, review: Review | undefined) =>
    !latest ? 'not-returned' as const : review && review.submission === latest.id ? review.state : 'awaiting-review' as const;

  app.get('/api/organisations/:code/history', ...keyed, asyncRoute(async (req, res) => {
    const org = await ownOrganisation(res, req.params.code as string);
    const reviews = await store.reviews({ organisation: org.code });
    const versions = (await store.history(org.code)).map(({ receipt, result }) => {
      const mine = reviews.filter((r) => r.submission === receipt.id);
      return {
        receipt, valid: result.valid, errors: result.findings.filter((f) => f.severity === 'error').length,
        warnings: receipt.warnings.length, review: mine[mine.length - 1] ?? null, reviews: mine,
      };
    });
    reply(res, 200, historySchema, {
      organisation: { code: org.code, name: org.name },
      reviewState: reviewStateOf(versions[0]?.receipt, versions[0]?.review ?? undefined),
      versions,
    });
  }));

  // The latest version's plan model with its review: the add-in loads it into the open workbook.
  app.get('/api/organisations/:code/latest', ...keyed, asyncRoute(async (req, res) => {
    const org = await ownOrganisation(res, req.params.code as string);
    const found = await store.latestSubmission(org.code);
    if (!found) throw new HttpError(404, 'NO_PLAN', `${org.code} has not submitted a plan yet: start from the blank workbook.`);
    const reviews = await store.reviews({ submission: found.receipt.id });
    const review = reviews[reviews.length - 1];
    reply(res, 200, (await planSchemas()).latestPlanSchema, { receipt: found.receipt, plan: found.plan, reviewState: reviewStateOf(found.receipt, review), review: review ?? null });
  }));

  // The latest version to carry on from, as a workbook in the current template (values only, rebuilt from the plan).
  app.get('/api/organisations/:code/plan.xlsx', ...keyed, asyncRoute(async (req, res) => {
    const org = await ownOrganisation(res, req.params.code as string);
    const found = await store.latestSubmission(org.code);
    if (!found) throw new HttpError(404, 'NO_PLAN', `${org.code} has not submitted a plan yet: start from the blank workbook (/template.xlsx?org=${org.code}).`);
    // A plan made on an older template version is carried into the current one; what had no place is counted.
    const from = findTemplate(found.plan.template.id, found.plan.template.version, templates);
    const carried = from && from !== currentTemplate ? carryPlan(found.plan, from, currentTemplate) : { plan: found.plan, findings: [] };
    const { writeFilledPlan } = await planWriter();
    const bytes = await writeFilledPlan(carried.plan, { organisations: await store.organisations(), templates });
    res.set('Naome-Not-Carried', String(carried.findings.length));
    res.status(200).type(XLSX_TYPE).attachment(fileNameOf(found.receipt, '-latest', 'xlsx')).send(bytes);
  }));

  /** What changed from one version to another: by default from the version before. */
  app.get('/api/submissions/:id/diff', ...keyed, asyncRoute(async (req, res) => {
    const to = await visibleSubmission(res, req.params.id as string);
    const against = req.query.against;
    if (against !== undefined && typeof against !== 'string') throw new HttpError(400, 'BAD_AGAINST', 'Give one version to compare with: ?against=SUBMISSION_ID.');
    let from;
    if (against) {
      from = await visibleSubmission(res, against);
      if (from.receipt.organisation.code !== to.receipt.organisation.code) {
        throw new HttpError(400, 'DIFFERENT_ORGANISATIONS', `These are versions of two organisations' plans (${from.receipt.organisation.code} and ${to.receipt.organisation.code}); compare versions of one organisation's plan.`);
      }
    } else {
      from = await store.submissionByVersion(to.receipt.organisation.code, to.receipt.version - 1);
      if (!from) throw new HttpError(404, 'NO_EARLIER_VERSION', `Version ${to.receipt.version} is ${to.receipt.organisation.code}'s first: there is no earlier version to compare it with.`);
    }
    const template = findTemplate(to.plan.template.id, to.plan.template.version, templates) ?? currentTemplate;
    const changes = diffPlans(template, from.plan, to.plan);
    reply(res, 200, diffSchema, { from: from.receipt, to: to.receipt, summary: diffSummary(changes), changes });
  }));

  app.get('/api/submissions/:id/reviews', ...keyed, asyncRoute(async (req, res) => {
    const found = await visibleSubmission(res, req.params.id as string);
    reply(res, 200, reviewSchema.array(), await store.reviews({ submission: found.receipt.id }));
  }));

  app.post('/api/submissions/:id/reviews', ...admin, express.json({ limit: '20kb' }), asyncRoute(async (req, res) => {
    const found = (req.params.id as string).length <= 100 ? await store.submission(req.params.id as string) : undefined;
    if (!found) throw new HttpError(404, 'NOT_FOUND', 'No submission has that id.');
    const parsed = newReviewSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, 'BAD_REVIEW',
        `The review's ${issue.path.join('.') || 'body'} is not right: ${issue.message}. Send JSON {"state": "accepted" or "changes-requested", "comment": "…", "reviewer": "your name"}.`);
    }
    const review = await store.addReview(found.receipt.id, parsed.data.state, parsed.data.comment, parsed.data.reviewer);
    logger.info({ org: found.receipt.organisation.code, version: found.receipt.version, state: review.state }, 'review recorded');
    reply(res, 201, reviewSchema, review);
  }));

  // ── admin key ─────────────────────────────────────────────────────────────────────────────────────────────────────
  app.get('/api/admin/organisations', ...admin, asyncRoute(async (req, res) => {
    const filter = req.query.review;
    const states = organisationReviewStateSchema.options as readonly string[];
    if (filter !== undefined && (typeof filter !== 'string' || !states.includes(filter))) {
      throw new HttpError(400, 'BAD_REVIEW_FILTER', `Filter by one review state: ?review= one of ${states.join(', ')}.`);
    }
    const [owners, latest, reviews, organisations] = await Promise.all([store.keyOwners(), store.latestReceipts(), store.latestReviews(), round.organisations()]);
    const rows = organisations.map((o) => {
      const receipt = latest.get(o.code);
      const review = reviews.get(o.code);
      return { ...o, hasKey: owners.has(o.code), latest: receipt ?? null, reviewState: reviewStateOf(receipt, review), review: review ?? null };
    });
    reply(res, 200, adminOrganisationSchema.array(), filter ? rows.filter((r) => r.reviewState === filter) : rows);
  }));

  app.put('/api/admin/organisations', ...admin, express.text({ type: ['text/csv', 'text/plain'], limit: '5mb' }), asyncRoute(async (req, res) => {
    if (typeof req.body !== 'string') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the organisations list as text/csv with the columns ods_code,name,nation,nhs_england_region.');
    let list;
    try {
      list = parseOrganisationsCsv(req.body);
    } catch (err) {
      throw new HttpError(400, 'BAD_CSV', (err as Error).message);
    }
    if (list.length === 0) throw new HttpError(400, 'BAD_CSV', 'The organisations CSV has a header but no organisations; the list was not changed.');
    await store.replaceOrganisations(list);
    templateCache.clear();
    logger.info({ count: list.length }, 'organisations replaced');
    reply(res, 200, countSchema, { count: list.length });
  }));

  /** An organisation on the list, from a code in a URL; otherwise 404. */
  const knownOrganisation = async (raw: string) => {
    const parsed = odsCodeSchema.safeParse(raw);
    const code = parsed.success ? parsed.data.toUpperCase() : '';
    const organisation = code ? await store.organisation(code) : undefined;
    if (!organisation) {
      throw new HttpError(404, 'UNKNOWN_ORGANISATION', `"${raw.slice(0, 20)}" is not an organisation on the list.`);
    }
    return { code, organisation };
  };

  app.post('/api/admin/organisations/:code/key', ...admin, asyncRoute(async (req, res) => {
    const { code } = await knownOrganisation(req.params.code as string);
    const key = await issueKey(store, code);
    logger.info({ org: code }, 'organisation key issued');
    reply(res, 201, issuedKeySchema, { code, key });
  }));

  app.delete('/api/admin/organisations/:code/key', ...admin, asyncRoute(async (req, res) => {
    const { code } = await knownOrganisation(req.params.code as string);
    await store.revokeKey(code);
    logger.info({ org: code }, 'organisation key revoked');
    res.status(204).end();
  }));

  app.get('/api/collation.xlsx', ...admin, asyncRoute(async (_req, res) => {
    const { storeCollation, writeCollationWorkbook } = await collationWorkbook();
    res.status(200).type(XLSX_TYPE).attachment(`naome-collation-${today()}.xlsx`);
    await writeCollationWorkbook(await storeCollation(store, { today: today(), template: currentTemplate }), res);
  }));

  app.get('/api/collation.csv', ...admin, asyncRoute(async (_req, res) => {
    const { writeStoreActionsCsv } = await collationCsv();
    res.status(200).type('text/csv; charset=utf-8').attachment(`naome-actions-${today()}.csv`);
    await writeStoreActionsCsv(store, { today: today(), template: currentTemplate }, res);
  }));

  // ── the national team's desk: round, dashboard, reminders (server/http/desk.ts) ──────────────────────────────────
  app.use(deskRouter({ store, admin, today, template: currentTemplate, logger, mailer: opts.mailer, publicUrl: opts.publicUrl }));

  // ── pages and the add-in ─────────────────────────────────────────────────────────────────────────────────────────
  // Compressed once, revalidated with ETag / Last-Modified (server/http/staticFiles.ts).
  const files = new StaticFiles();
  const withParts = sharedParts(pagesDir);
  app.get('/', files.file(`${pagesDir}/index.html`, withParts));
  app.get('/admin', files.file(`${pagesDir}/admin.html`, withParts));
  app.get('/accessibility', files.file(`${pagesDir}/accessibility.html`, withParts));
  app.use(nhsukFrontend());
  // The dashboard's one chart library, served from node_modules like the NHS.UK frontend (no CDN).
  app.get('/assets/chart.umd.min.js', files.file(projectFile('node_modules/chart.js/dist/chart.umd.min.js')));
  app.use('/assets', files.folder(`${pagesDir}/assets`));
  app.use('/addin/office-local', files.folder(officeJsDir));
  app.use('/addin', files.folder(addinDir));

  app.use('/api', (_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'There is no such API endpoint: see /api/openapi.json.')));
  app.use((_req, res) => sendError(res, 404, 'NOT_FOUND', 'Nothing here. The submission page is at /.'));
  app.use(errorHandler(logger, (err) => store.storageErrorText(err)));
  return app;
}

export { ADMIN };
