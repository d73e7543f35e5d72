// The task pane: Create plan, Check, Submit. Only wiring lives here — building and reading the workbook are in
// createPlan.ts / readPlan.ts, the rules in shared/, the service calls in service.ts.
import { todayIso } from '../../shared/cells';
import type { Finding } from '../../shared/findings';
import { organisationLabel, type Organisation } from '../../shared/organisations';
import { createPlan } from './createPlan';
import { checkSummary, countsText, groupFindings } from './findingGroups';
import { checkOpenWorkbook, readPlan, selectCell } from './readPlan';
import { REQUIRED_API_SET } from '../requirements';
import { ServiceError, fetchLatest, fetchOrganisations, reviewText, type Receipt } from './service';
import { submitOpenWorkbook } from './submit';

const KEY_STORAGE = 'naome.organisationKey';
const ORG_STORAGE = 'naome.organisation';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let organisations: Organisation[] = [];
/** Used when the browser refuses storage: the key then lasts for this session only. */
let sessionKey: string | null = null;

function announce(message: string, tone: 'info' | 'good' | 'bad' = 'info') {
  const status = $('status');
  status.className = `status ${tone}`;
  // Clearing first makes screen readers announce a repeated message again.
  status.textContent = '';
  window.setTimeout(() => { status.textContent = message; }, 50);
}

async function busy<T>(button: HTMLButtonElement, label: string, work: () => Promise<T>): Promise<T | undefined> {
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('button.action')].filter((b) => !b.disabled);
  buttons.forEach((b) => { b.disabled = true; });
  const before = button.textContent;
  button.textContent = label;
  $('app').setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (err) {
    announce(err instanceof ServiceError ? err.message : `Something went wrong: ${err instanceof Error ? err.message : String(err)}. Nothing has been lost; try again.`, 'bad');
    return undefined;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    button.textContent = before;
    $('app').removeAttribute('aria-busy');
  }
}

// ---- stored key (never in the workbook) ------------------------------------------------------------------------------

function storedKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? sessionKey;
  } catch {
    return sessionKey;
  }
}
function storeKey(key: string | null): boolean {
  sessionKey = key;
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    return true;
  } catch {
    return false;
  }
}
function showKeyState() {
  const has = storedKey() !== null;
  $('key-saved').hidden = !has;
  $('key-form').hidden = has;
}

// ---- findings ------------------------------------------------------------------------------------------------------

function renderFindings(findings: Finding[], heading: string) {
  const box = $('findings');
  box.replaceChildren();
  if (findings.length === 0) return;
  const h = document.createElement('h3');
  h.textContent = heading;
  box.append(h);
  for (const g of groupFindings(findings)) {
    const section = document.createElement('section');
    section.className = 'group';
    const title = document.createElement('h4');
    title.textContent = `${g.title} `;
    const counts = document.createElement('span');
    counts.className = 'counts';
    counts.textContent = `(${countsText(g.errors, g.warnings)})`;
    title.append(counts);
    const list = document.createElement('ul');
    for (const f of g.findings) {
      const li = document.createElement('li');
      const item = document.createElement(f.sheet && f.cell ? 'button' : 'div');
      item.className = `finding ${f.severity}`;
      const sev = document.createElement('span');
      sev.className = 'severity';
      sev.textContent = f.severity === 'error' ? 'Error' : 'Warning';
      const where = document.createElement('span');
      where.className = 'cell';
      where.textContent = f.cell ?? '';
      const msg = document.createElement('span');
      msg.className = 'message';
      msg.textContent = f.message;
      item.append(sev, where, msg);
      if (item instanceof HTMLButtonElement) {
        item.type = 'button';
        item.title = `Go to cell ${f.cell}`;
        item.addEventListener('click', () => {
          void Excel.run((ctx) => selectCell(ctx, f.sheet!, f.cell!))
            .then(() => announce(`Selected cell ${f.cell} on the ${f.sheet} sheet.`))
            .catch((err: unknown) => announce(`Could not select ${f.cell}: ${err instanceof Error ? err.message : String(err)}`, 'bad'));
        });
      }
      li.append(item);
      list.append(li);
    }
    section.append(title, list);
    box.append(section);
  }
}

function renderReceipt(r: Receipt | null) {
  const box = $('receipt');
  box.replaceChildren();
  if (!r) return;
  const when = new Date(r.receivedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  const p = document.createElement('p');
  p.textContent = `Received: version ${r.version} for ${r.organisation.code} – ${r.organisation.name}, at ${when}.`;
  box.append(p);
}

// ---- the three actions -----------------------------------------------------------------------------------------------

async function onCreate() {
  const code = $<HTMLSelectElement>('org').value || null;
  if (code) try { localStorage.setItem(ORG_STORAGE, code); } catch { /* storage refused: the choice is only not remembered */ }
  const printSetup = Office.context.requirements.isSetSupported('ExcelApi', '1.9');
  const outcome = await Excel.run((ctx) => createPlan(ctx, { organisations, organisation: code, printSetup }));
  if (!outcome.ok) { announce(outcome.message, 'bad'); return; }
  renderFindings([], '');
  showWorkbookState(outcome.template);
  announce(`Plan created${outcome.organisation ? ` for ${outcome.organisation.name}` : ''}. Fill in the yellow cells, then choose Check.`, 'good');
}

async function onCheck() {
  const { result } = await Excel.run((ctx) => checkOpenWorkbook(ctx, { organisations, today: todayIso() }));
  renderReceipt(null);
  renderFindings(result.findings, 'Findings');
  announce(result.readable ? checkSummary(result.findings) : result.findings[0]!.message, result.valid ? 'good' : 'bad');
}

async function onSubmit() {
  const key = storedKey();
  if (!key) {
    announce('Enter your organisation key first: it is kept in this add-in on this computer, never in the workbook.', 'bad');
    $('key').focus();
    return;
  }
  try {
    const outcome = await Excel.run((ctx) => submitOpenWorkbook(ctx, key, { organisations, today: todayIso() }));
    if (outcome.kind === 'unreadable') { announce(outcome.finding.message, 'bad'); return; }
    if (outcome.kind === 'not sent') {
      renderReceipt(null);
      renderFindings(outcome.result.findings, 'Findings');
      const errors = outcome.result.findings.filter((f) => f.severity === 'error').length;
      announce(`The plan was not sent: ${countsText(errors, outcome.result.findings.length - errors)}. Fix the errors listed and submit again.`, 'bad');
      return;
    }
    if (outcome.kind === 'received') {
      renderFindings(outcome.warnings, 'Warnings sent with the plan');
      renderReceipt(outcome.receipt);
      const r = outcome.receipt;
      announce(outcome.already
        ? `Already received: this plan is the same as version ${r.version}, so no new version was stored.`
        : `Plan submitted: version ${r.version} received at ${new Date(r.receivedAt).toLocaleTimeString('en-GB')}.`, 'good');
    } else {
      renderReceipt(null);
      renderFindings(outcome.result.findings, 'The service found problems');
      announce(`The service did not accept the plan: ${countsText(outcome.result.findings.filter((f) => f.severity === 'error').length, outcome.result.findings.filter((f) => f.severity === 'warning').length)}. Fix the errors listed and submit again.`, 'bad');
    }
  } catch (err) {
    if (err instanceof ServiceError && err.problem === 'key') {
      $('key-form').hidden = false;
      $('key').focus();
    }
    throw err;
  }
}

/** The key saved in the add-in, or null after asking for it. */
function keyOrAsk(): string | null {
  const key = storedKey();
  if (!key) {
    announce('Enter and save your organisation key first (under 3. Submit).', 'bad');
    $('key-form').hidden = false;
    $('key').focus();
  }
  return key;
}

async function onShowReview() {
  const key = keyOrAsk();
  if (!key) return;
  const latest = await fetchLatest(key);
  const text = latest ? reviewText(latest) : 'Your organisation has not submitted a plan yet.';
  $('review').textContent = text;
  announce(text, latest?.reviewState === 'changes-requested' ? 'bad' : 'info');
}

async function onLoadLatest() {
  const key = keyOrAsk();
  if (!key) return;
  const latest = await fetchLatest(key);
  if (!latest) { announce('Your organisation has not submitted a plan yet: choose Create plan to start one.', 'bad'); return; }
  const printSetup = Office.context.requirements.isSetSupported('ExcelApi', '1.9');
  const outcome = await Excel.run((ctx) => createPlan(ctx, { organisations, organisation: latest.receipt.organisation.code, printSetup, plan: latest.plan }));
  if (!outcome.ok) { announce(outcome.message, 'bad'); return; }
  renderFindings([], '');
  showWorkbookState(outcome.template);
  $('review').textContent = reviewText(latest);
  announce(`Loaded version ${latest.receipt.version} of your plan. Update it, choose Check, then Submit. ${reviewText(latest)}`, 'good');
}

// ---- start ---------------------------------------------------------------------------------------------------------

function fillOrganisations() {
  const select = $<HTMLSelectElement>('org');
  let remembered: string | null = null;
  try { remembered = localStorage.getItem(ORG_STORAGE); } catch { /* no storage */ }
  for (const o of organisations) {
    const option = document.createElement('option');
    option.value = o.code;
    option.textContent = organisationLabel(o);
    if (o.code === remembered) option.selected = true;
    select.append(option);
  }
}

function showWorkbookState(template: { id: string; version: number } | null) {
  $('workbook-state').textContent = template
    ? `This workbook holds a NAoMe action plan (${template.id}, version ${template.version}). Choose Check to check it.`
    : 'This workbook has no action plan yet. Choose your organisation and Create plan.';
}

function showUnsupported(reason: string) {
  $('app').hidden = true;
  $('unsupported-reason').textContent = reason;
  $('unsupported').hidden = false;
}

async function start() {
  $('app').hidden = false;
  showKeyState();
  $('save-key').addEventListener('click', () => {
    const input = $<HTMLInputElement>('key');
    const key = input.value.trim();
    if (!key) { announce('Type the organisation key before saving it.', 'bad'); input.focus(); return; }
    const kept = storeKey(key);
    input.value = '';
    showKeyState();
    announce(kept ? 'Key saved in this add-in on this computer.' : 'Key kept for this session only: this browser does not allow the add-in to store it.', 'good');
    $('submit').focus();
  });
  $('forget-key').addEventListener('click', () => {
    storeKey(null);
    showKeyState();
    announce('Key forgotten.');
    $('key').focus();
  });
  const create = $<HTMLButtonElement>('create');
  const check = $<HTMLButtonElement>('check');
  const submit = $<HTMLButtonElement>('submit');
  create.addEventListener('click', () => void busy(create, 'Creating…', onCreate));
  check.addEventListener('click', () => void busy(check, 'Checking…', onCheck));
  submit.addEventListener('click', () => void busy(submit, 'Submitting…', onSubmit));
  const loadLatest = $<HTMLButtonElement>('load-latest');
  const showReview = $<HTMLButtonElement>('show-review');
  loadLatest.addEventListener('click', () => void busy(loadLatest, 'Loading…', onLoadLatest));
  showReview.addEventListener('click', () => void busy(showReview, 'Asking…', onShowReview));

  try {
    organisations = await fetchOrganisations();
    fillOrganisations();
    // Create plan and Check need the organisations list (the dropdown, and the rule that the organisation is on it).
    create.disabled = false;
    check.disabled = false;
  } catch (err) {
    announce(`${err instanceof Error ? err.message : String(err)} Create plan and Check need the organisations list: reload the add-in when the service is reachable.`, 'bad');
    return;
  }
  // Recognise a plan already in the workbook (e.g. a downloaded workbook opened in Excel).
  const found = await Excel.run((ctx) => readPlan(ctx)).catch(() => null);
  showWorkbookState(found?.ok ? found.template : null);
  $('ready').textContent = 'ready';
}

function boot() {
  if (typeof Office === 'undefined') {
    showUnsupported('Office.js could not be loaded, so the add-in cannot work with your workbook.');
    return;
  }
  void Office.onReady((info) => {
    if (info.host !== Office.HostType.Excel) {
      showUnsupported('This add-in works only in Excel.');
    } else if (!Office.context.requirements.isSetSupported(REQUIRED_API_SET.name, REQUIRED_API_SET.version)) {
      showUnsupported(`This version of Excel is too old for the add-in: it needs ${REQUIRED_API_SET.name} ${REQUIRED_API_SET.version} (Excel 2021, Microsoft 365 or Excel on the web).`);
    } else {
      void start();
    }
  });
}

boot();
