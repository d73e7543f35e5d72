// The submission page: choose the organisation and download its workbook, check a filled workbook at once (choose or
// drop), then submit it with the organisation key and keep the receipt.
import {
  NetworkError, announce, call, diffTable, el, fieldError, filenameFrom, focusErrorSummary, focusHeading, historyTable, messageFor, plural, reviewNote, saveBlob,
  timeElement,
} from './common.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PLAN_SHEET = 'Action plan';
const $ = (id) => document.getElementById(id);

const orgInput = $('org'), orgError = $('org-error'), orgList = $('org-list');
const templateLink = $('template-link'), templateText = $('template-link-text'), templateHint = $('template-hint');
const fileInput = $('file'), fileError = $('file-error'), drop = $('drop');
const resultSection = $('result'), resultHeading = $('result-heading'), resultSummary = $('result-summary'), findingsBox = $('findings');
const form = $('submit-form'), keyInput = $('key'), keyError = $('key-error'), submitButton = $('submit-button');
const receiptSection = $('receipt'), receiptHeading = $('receipt-heading');

/** What the page holds: the organisations, the chosen workbook and what the last check said, the last receipt. */
const state = { organisations: new Map(), file: null, result: null, receipt: null, checking: 0 };

// ---- 1. Organisation and blank workbook -------------------------------------------------------------------------

async function loadOrganisations() {
  try {
    const res = await call('/api/organisations');
    if (!res.ok || !Array.isArray(res.data)) throw new Error(messageFor(res, 'Loading the organisations'));
    for (const o of res.data) {
      state.organisations.set(o.code, o);
      orgList.append(el('option', { value: `${o.code} – ${o.name}` }));
    }
    chooseOrganisation(false);
  } catch (e) {
    fieldError(orgInput, orgError, `The list of organisations could not be loaded (${e.message}). You can still download the blank workbook.`);
  }
}

/**
 * The organisation the box names: its ODS code at the start ("RGT", "rgt – Cambridge…"), when that code is known.
 * Only to pick the workbook to download: the checker reads a returned plan's organisation more fully
 * (matchOrganisation in shared/organisations.ts: also the exact name and "Name (CODE)", with suggestions).
 */
function chosenOrganisation() {
  const code = orgInput.value.trim().split(/[\s–—-]/)[0].toUpperCase();
  return state.organisations.get(code) ?? null;
}

function chooseOrganisation(complain) {
  const org = chosenOrganisation();
  if (org) {
    fieldError(orgInput, orgError, null);
    templateLink.href = `/template.xlsx?org=${encodeURIComponent(org.code)}`;
    templateText.textContent = `Download the workbook for ${org.code}`;
    templateHint.textContent = `Filled in with ${org.code} – ${org.name}.`;
    return;
  }
  templateLink.href = '/template.xlsx';
  templateText.textContent = 'Download the blank workbook';
  templateHint.textContent = 'Choose your organisation first to get a workbook with it filled in.';
  if (complain && orgInput.value.trim() !== '' && state.organisations.size > 0) {
    fieldError(orgInput, orgError, `No organisation matches “${orgInput.value.trim()}”. Type your ODS code (for example RGT) or choose from the list.`);
  } else {
    fieldError(orgInput, orgError, null);
  }
}

orgInput.addEventListener('input', () => chooseOrganisation(false));
orgInput.addEventListener('change', () => chooseOrganisation(true));

// ---- 2. Check a workbook ----------------------------------------------------------------------------------------

// Clear the choice as the picker opens, so choosing the same file again after correcting it checks it again.
fileInput.addEventListener('click', () => { fileInput.value = ''; });
fileInput.addEventListener('change', () => {
  if (fileInput.files?.length) checkFile(fileInput.files[0]);
});

// Drag and drop onto the box; a file dropped anywhere else must not make the browser open it and lose the page.
for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const files = e.dataTransfer?.files;
  if (!files?.length) return;
  try { fileInput.files = files; } catch { /* older browsers: the name is still shown in the results */ }
  checkFile(files[0]);
});

async function checkFile(file) {
  const ticket = ++state.checking; // a slower earlier check must not overwrite a later one
  state.file = file;
  // One Idempotency-Key per file chosen: a retry of the same submission (a lost answer) is answered, not stored twice.
  state.idempotencyKey = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  state.result = null;
  receiptSection.hidden = true;
  fieldError(fileInput, fileError, null);
  resultSection.hidden = false;
  resultSection.setAttribute('aria-busy', 'true');
  resultHeading.textContent = `Checking ${file.name}…`;
  resultSummary.replaceChildren();
  findingsBox.replaceChildren();
  let res;
  try {
    res = await call('/api/validate', { method: 'POST', body: file, contentType: XLSX_TYPE });
  } catch (e) {
    if (ticket !== state.checking) return;
    return checkFailed(e instanceof NetworkError ? e.message : String(e));
  }
  if (ticket !== state.checking) return;
  if ((res.status === 200 || res.status === 422) && res.data?.findings) showResult(res.data, file.name);
  else checkFailed(messageFor(res, 'Checking the workbook'));
}

function checkFailed(message) {
  resultSection.removeAttribute('aria-busy');
  resultSection.hidden = true;
  state.file = null;
  fieldError(fileInput, fileError, message);
  announce(`The workbook could not be checked. ${message}`);
  fileInput.focus();
}

/** The section a finding belongs to, in reading order: the file, the plan details, then each recommendation. */
function groupOf(f) {
  if (f.recommendation != null) return { order: 10 + f.recommendation, title: `Recommendation ${f.recommendation}` };
  if (f.cell) return { order: 1, title: 'Organisation and leads' };
  return { order: 0, title: 'The workbook' };
}

/** A list of findings, grouped, each with its cell as text a screen reader reads ("Error, cell E23: …"). */
function findingsList(findings, headingLevel = 'h3') {
  const groups = new Map();
  for (const f of findings) {
    const g = groupOf(f);
    if (!groups.has(g.title)) groups.set(g.title, { ...g, items: [] });
    groups.get(g.title).items.push(f);
  }
  const out = [];
  for (const g of [...groups.values()].sort((a, b) => a.order - b.order)) {
    const items = g.items.map((f) => {
      const where = f.cell ? (f.sheet && f.sheet !== PLAN_SHEET ? `${f.sheet}!${f.cell}` : f.cell) : '';
      return el('li', { class: `finding ${f.severity}`, 'data-code': f.code },
        el('span', { class: 'sev' }, f.severity === 'error' ? 'Error' : 'Warning', el('span', { class: 'vh' }, ',')),
        el('span', { class: 'cell' }, where ? [el('span', { class: 'vh' }, 'cell '), where] : el('span', { 'aria-hidden': 'true' }, '—')),
        el('span', { class: 'msg' }, el('span', { class: 'vh' }, ': '), f.message));
    });
    out.push(el(headingLevel, { class: 'findings-group' }, `${g.title} `, el('span', { class: 'nhsuk-u-secondary-text-colour' }, `(${g.items.length})`)), el('ul', { class: 'findings' }, items));
  }
  return out;
}

function showResult(result, fileName) {
  state.result = result;
  resultSection.removeAttribute('aria-busy');
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  const counts = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  const org = result.organisation ? `${result.organisation.code} – ${result.organisation.name}` : null;
  let notice;
  if (result.valid) {
    resultHeading.textContent = 'Ready to submit';
    notice = el('div', { class: 'notice ok' },
      el('p', {}, `${fileName}${org ? ` for ${org}` : ''} has no errors. Enter your organisation key below and submit it.`),
      warnings ? el('p', {}, `${plural(warnings, 'warning')}: worth a look, but they do not stop you submitting.`) : null);
    announce(`Ready to submit: no errors, ${plural(warnings, 'warning')}.`);
  } else if (!result.readable) {
    resultHeading.textContent = 'This file cannot be checked';
    notice = el('div', { class: 'notice error' }, el('p', {}, `${fileName} could not be read as an action plan workbook. Nothing was kept.`));
    announce(`This file cannot be checked: ${result.findings[0]?.message ?? ''}`);
  } else {
    resultHeading.textContent = `${counts} found`;
    notice = el('div', { class: 'notice error' },
      el('p', {}, `${fileName}${org ? ` for ${org}` : ''} has ${plural(errors, 'error')} to correct before it can be submitted. Correct them in the workbook, save it, and choose it again.`));
    announce(`${counts} found.`);
  }
  // The workbook names its organisation: fill the box from it, or say so when it differs from the one chosen.
  const chosen = chosenOrganisation();
  let mismatch = null;
  if (result.organisation && !chosen && orgInput.value.trim() === '') {
    orgInput.value = `${result.organisation.code} – ${result.organisation.name}`;
    chooseOrganisation(false);
  } else if (result.organisation && chosen && chosen.code !== result.organisation.code) {
    mismatch = el('div', { class: 'notice warning' }, el('p', {},
      `This workbook is for ${org}, not ${chosen.code} – ${chosen.name}. It can only be submitted with ${result.organisation.code}'s key.`));
  }
  resultSummary.replaceChildren(notice, ...(mismatch ? [mismatch] : []), el('ul', { class: 'counts', 'aria-label': 'Counts' },
    el('li', { class: `count ${errors ? 'error' : 'none'}` }, plural(errors, 'error')),
    el('li', { class: `count ${warnings ? 'warning' : 'none'}` }, plural(warnings, 'warning'))));
  findingsBox.replaceChildren(...findingsList(result.findings));
  // Findings to mark in the workbook itself: a comment and a highlight at each cell, and a Findings sheet.
  $('annotate-box').hidden = !(result.readable && result.findings.length > 0);
  focusHeading(resultHeading);
}

$('annotate-button').addEventListener('click', async () => {
  if (!state.file) return;
  const button = $('annotate-button');
  button.disabled = true;
  try {
    const res = await call('/api/annotate', {
      method: 'POST', body: state.file, contentType: XLSX_TYPE, as: 'blob', headers: { 'X-File-Name': encodeURIComponent(state.file.name) },
    }).catch((e) => e);
    const message = res instanceof Error ? res.message : res.ok ? null : messageFor(res, 'Marking the findings');
    fieldError(button, $('annotate-error'), message);
    if (message) return announce(message);
    const name = filenameFrom(res.response, 'workbook-checked.xlsx');
    saveBlob(res.data, name);
    announce(`Downloaded ${name}: each finding is a comment on its cell, and the Findings sheet lists them.`);
  } finally {
    button.disabled = false;
  }
});

// ---- 3. Submit and the receipt ----------------------------------------------------------------------------------

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  fieldError(keyInput, keyError, null);
  if (!state.file) {
    fieldError(fileInput, fileError, 'Choose your filled workbook first.');
    announce('Choose your filled workbook first.');
    return focusErrorSummary(fileInput);
  }
  if (state.result && !state.result.valid) {
    const message = 'The workbook has errors. Correct them, save it and choose it again before submitting.';
    fieldError(fileInput, fileError, message);
    announce(message);
    return focusErrorSummary(fileInput);
  }
  const key = keyInput.value.trim();
  if (!key) {
    fieldError(keyInput, keyError, 'Enter your organisation key.');
    announce('Enter your organisation key.');
    return focusErrorSummary(keyInput);
  }
  submitButton.disabled = true;
  submitButton.textContent = 'Submitting…';
  try {
    const res = await call('/api/submissions', {
      method: 'POST', body: state.file, contentType: XLSX_TYPE, key, headers: { 'Idempotency-Key': state.idempotencyKey },
    });
    if ((res.status === 201 || res.status === 200) && res.data) return showReceipt(res.data, state.file.name, res.status === 200);
    if (res.status === 422 && res.data?.result) {
      showResult(res.data.result, state.file.name);
      return fieldError(fileInput, fileError, 'The service found errors in the workbook, so nothing was stored.');
    }
    const message = messageFor(res, 'Submitting');
    if (res.status === 413) {
      fieldError(fileInput, fileError, message);
      focusErrorSummary(fileInput);
    } else {
      fieldError(keyInput, keyError, message);
      focusErrorSummary(keyInput);
    }
    announce(`Not submitted. ${message}`);
  } catch (err) {
    const message = err instanceof NetworkError ? err.message : String(err);
    fieldError(keyInput, keyError, message);
    announce(`Not submitted. ${message}`);
    focusErrorSummary(keyInput);
  } finally {
    submitButton.disabled = false;
    submitButton.textContent = 'Submit action plan';
  }
});

/** The receipt; `already`: the service had this plan as the organisation's latest version and stored nothing new. */
function showReceipt(receipt, fileName, already = false) {
  state.receipt = { ...receipt, file: fileName };
  const details = [
    ['Organisation', `${receipt.organisation.code} – ${receipt.organisation.name}`],
    ['Version', String(receipt.version)],
    ['Received', timeElement(receipt.receivedAt)],
    ['File', fileName],
    ['SHA-256', el('span', { class: 'mono' }, receipt.sha256)],
    ['Receipt id', el('span', { class: 'mono' }, String(receipt.id))],
    ['Warnings', String(receipt.warnings.length)],
  ];
  $('receipt-details').replaceChildren(...details.map(([k, v]) => el('div', { class: 'nhsuk-summary-list__row' },
    el('dt', { class: 'nhsuk-summary-list__key' }, k), el('dd', { class: 'nhsuk-summary-list__value' }, v))));
  $('receipt-warnings').replaceChildren(...(receipt.warnings.length
    ? [el('h3', { class: 'nhsuk-heading-s' }, 'Warnings sent with this version'), ...findingsList(receipt.warnings, 'h4')] : []));
  receiptHeading.textContent = already ? `Already received: version ${receipt.version}` : `Submitted: version ${receipt.version}`;
  $('receipt-lead').textContent = already
    ? `This plan is the same as version ${receipt.version}, which the service already holds, so no new version was stored. Keep this receipt.`
    : 'Your action plan was received. Keep this receipt.';
  receiptSection.hidden = false;
  announce(already ? `Already received: version ${receipt.version}. No new version was stored.` : `Submitted: version ${receipt.version}.`);
  focusHeading(receiptHeading);
}

$('print-receipt').addEventListener('click', () => window.print());
$('save-receipt').addEventListener('click', () => {
  const r = state.receipt;
  if (!r) return;
  const blob = new Blob([`${JSON.stringify(r, null, 2)}\n`], { type: 'application/json' });
  saveBlob(blob, `naome-receipt-${r.organisation.code}-v${r.version}.json`);
  announce('Receipt saved.');
});

// ---- 4. Versions, reviews, what changed, the latest plan ------------------------------------------------------------

const historyButton = $('history-button'), latestButton = $('latest-button'), historyError = $('history-error');

/** The organisation a key is for (naome_RGT_…), else the one chosen above. */
function keyOrganisation(key) {
  return /^naome_([A-Z0-9]{3,5})_/.exec(key)?.[1] ?? chosenOrganisation()?.code ?? null;
}

/** The key and its organisation, or null after saying what is missing. */
function keyForHistory() {
  fieldError(historyButton, historyError, null);
  const key = keyInput.value.trim();
  const code = key && keyOrganisation(key);
  if (!key || !code) {
    fieldError(keyInput, keyError, 'Enter your organisation key (in step 3) to see your versions.');
    announce('Enter your organisation key first.');
    focusErrorSummary(keyInput);
    return null;
  }
  return { key, code };
}

function historyFailed(message) {
  fieldError(historyButton, historyError, message);
  announce(message);
}

async function showHistory() {
  const who = keyForHistory();
  if (!who) return;
  const res = await call(`/api/organisations/${encodeURIComponent(who.code)}/history`, { key: who.key }).catch((e) => e);
  if (res instanceof Error) return historyFailed(res.message);
  if (!res.ok) return historyFailed(messageFor(res, 'Loading your versions'));
  const h = res.data;
  const latest = h.versions[0];
  $('history-title').textContent = `Your versions: ${plural(h.versions.length, 'version')}`;
  $('history-review').replaceChildren(el('div', { class: 'nhsuk-summary-list__row' },
    el('dt', { class: 'nhsuk-summary-list__key' }, latest ? `Review of version ${latest.receipt.version}` : 'Review'),
    el('dd', { class: 'nhsuk-summary-list__value', id: 'review-state' }, latest ? reviewNote(latest.review) : 'Nothing submitted yet.')));
  $('history-table').replaceChildren(h.versions.length ? historyTable(h, (v) => showDiff(who, v)) : '');
  $('history-diff').replaceChildren();
  $('history').hidden = false;
  announce(`${plural(h.versions.length, 'version')}. ${latest ? `Latest: version ${latest.receipt.version}, ${latest.review ? latest.review.state.replace('-', ' ') : 'awaiting review'}.` : ''}`);
  focusHeading($('history-title'));
}

async function showDiff(who, version) {
  const res = await call(`/api/submissions/${encodeURIComponent(version.receipt.id)}/diff`, { key: who.key }).catch((e) => e);
  if (res instanceof Error) return historyFailed(res.message);
  if (!res.ok) return historyFailed(messageFor(res, 'Comparing the versions'));
  $('history-diff').replaceChildren(el('h3', { class: 'nhsuk-heading-s', id: 'diff-heading', tabindex: '-1' },
    `Version ${res.data.from.version} to version ${res.data.to.version}`), diffTable(res.data, 'diff-caption'));
  announce($('diff-caption').textContent);
  focusHeading($('diff-heading'));
}

async function downloadLatest() {
  const who = keyForHistory();
  if (!who) return;
  const res = await call(`/api/organisations/${encodeURIComponent(who.code)}/plan.xlsx`, { key: who.key, as: 'blob' }).catch((e) => e);
  if (res instanceof Error) return historyFailed(res.message);
  if (!res.ok) return historyFailed(messageFor(res, 'Downloading your latest plan'));
  const name = filenameFrom(res.response, `${who.code}-latest.xlsx`);
  saveBlob(res.data, name);
  announce(`Downloaded ${name}: your latest plan, ready to update.`);
}

historyButton.addEventListener('click', showHistory);
latestButton.addEventListener('click', downloadLatest);

loadOrganisations();
