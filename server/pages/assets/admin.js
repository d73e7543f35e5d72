// The admin page: sign in with the admin key (kept only in sessionStorage), see which organisations have submitted,
// download the collation, issue and revoke organisation keys, replace the organisations list.
import {
  NetworkError, announce, call, diffTable, el, fieldError, filenameFrom, focusErrorSummary, focusHeading, historyTable, messageFor, plural, reviewNote, reviewTag,
  saveBlob, timeElement,
} from './common.js';

const STORE = 'naome.adminKey';
const $ = (id) => document.getElementById(id);
const signin = $('signin'), signinForm = $('signin-form'), keyInput = $('admin-key'), keyError = $('admin-key-error');
const admin = $('admin'), adminError = $('admin-error');
const filter = $('filter'), onlyMissing = $('only-missing'), reviewFilter = $('review-filter'), tbody = document.querySelector('#orgs tbody');

const state = { key: sessionStorage.getItem(STORE), organisations: [] };

// ---- Signing in -------------------------------------------------------------------------------------------------

signinForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    fieldError(keyInput, keyError, 'Enter the admin key.');
    return focusErrorSummary(keyInput);
  }
  await signIn(key);
});

async function signIn(key) {
  fieldError(keyInput, keyError, null);
  const res = await adminCall('/api/admin/organisations', {}, key).catch((e) => e);
  if (res instanceof Error || !res.ok) {
    const message = res instanceof Error ? res.message
      : res.status === 401 ? 'The admin key was not accepted. Check that you copied it in full; on the server, the command naome keys admin prints a new one.'
      : messageFor(res, 'Signing in');
    signOut();
    fieldError(keyInput, keyError, message);
    announce(`Not signed in. ${message}`);
    focusErrorSummary(keyInput);
    return;
  }
  state.key = key;
  sessionStorage.setItem(STORE, key);
  keyInput.value = '';
  signin.hidden = true;
  admin.hidden = false;
  showOrganisations(res.data);
  const missing = state.organisations.filter((o) => o.expected && !o.latest).length;
  announce(`Signed in. ${plural(state.organisations.length, 'organisation')}, ${missing} not yet submitted.`);
  focusHeading($('orgs-heading'));
}

function signOut() {
  state.key = null;
  sessionStorage.removeItem(STORE);
  admin.hidden = true;
  signin.hidden = false;
  $('new-key').hidden = true;
  $('new-key-value').value = '';
}

$('signout').addEventListener('click', () => {
  signOut();
  announce('Signed out.');
  keyInput.focus();
});

/** A call with the admin key; a 401 later on (the key was replaced) signs out and says why. */
async function adminCall(path, options = {}, key = state.key) {
  const res = await call(path, { ...options, key });
  if (res.status === 401 && key === state.key && state.key) {
    signOut();
    fieldError(keyInput, keyError, 'The admin key is no longer accepted. Sign in with the current one.');
  }
  return res;
}

function showError(message) {
  if (!message) { adminError.hidden = true; adminError.textContent = ''; return; }
  adminError.textContent = message;
  adminError.hidden = false;
  announce(message);
}

async function reload() {
  const res = await adminCall('/api/admin/organisations').catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (!res.ok) return showError(messageFor(res, 'Loading the organisations'));
  showOrganisations(res.data);
}

// ---- The organisations table ------------------------------------------------------------------------------------

function showOrganisations(list) {
  state.organisations = list;
  render();
}

/** The filter is a phrase found anywhere in the code, name, region or nation ("RGT", "cambridge", "east of england"). */
function matches(o, phrase) {
  return [o.code, o.name, o.region, o.nation].some((text) => (text ?? '').toLowerCase().includes(phrase));
}

function render() {
  const phrase = filter.value.trim().toLowerCase().replace(/\s+/g, ' ');
  const all = state.organisations;
  // Only organisations expected to return this round count as not yet submitted (the round, on this page).
  const shown = all.filter((o) => matches(o, phrase) && (!onlyMissing.checked || (o.expected && !o.latest))
    && (!reviewFilter.value || o.reviewState === reviewFilter.value));
  const expected = all.filter((o) => o.expected).length;
  const missing = all.filter((o) => o.expected && !o.latest).length;
  const notCounted = all.length - expected ? ` (${all.length - expected} not expected to return this round are not counted.)` : '';
  $('outstanding').textContent = (missing === 0
    ? `All ${expected} organisations have submitted.`
    : `${missing} of ${expected} organisations have not yet submitted.`) + notCounted;
  $('filter-count').textContent = `Showing ${shown.length} of ${all.length} organisations`;
  tbody.replaceChildren(...shown.map(row));
}

function row(o) {
  const latest = o.latest
    ? [el('strong', { class: 'nhsuk-tag nhsuk-tag--green' }, `Version ${o.latest.version}`), ' ', timeElement(o.latest.receivedAt),
      el('button', { type: 'button', class: 'link', onclick: () => downloadFile(o) },
        'Download plan', el('span', { class: 'vh' }, ` of ${o.code} version ${o.latest.version}`)), ' ',
      el('button', { type: 'button', class: 'link', onclick: () => downloadFile(o, true) },
        'Original as uploaded', el('span', { class: 'vh' }, ` of ${o.code} version ${o.latest.version}`))]
    : o.expected ? el('strong', { class: 'nhsuk-tag nhsuk-tag--grey' }, 'Not yet submitted')
    : el('strong', { class: 'nhsuk-tag nhsuk-tag--white' }, 'Not expected');
  const actions = el('div', { class: 'row' },
    el('button', { type: 'button', class: 'nhsuk-button nhsuk-button--small nhsuk-button--secondary issue-key', onclick: () => issueKey(o) },
      o.hasKey ? 'Replace key' : 'Issue key', el('span', { class: 'vh' }, ` for ${o.code}`)),
    o.hasKey ? el('button', { type: 'button', class: 'nhsuk-button nhsuk-button--small nhsuk-button--warning', onclick: () => revokeKey(o) },
      'Revoke', el('span', { class: 'vh' }, ` key of ${o.code}`)) : null);
  const cell = (...content) => el('td', { class: 'nhsuk-table__cell' }, ...content);
  return el('tr', { class: 'nhsuk-table__row', 'data-code': o.code },
    el('th', { class: 'nhsuk-table__header', scope: 'row' }, el('strong', {}, o.code), ` ${o.name}`),
    cell(o.region || o.nation),
    cell(latest),
    cell(o.latest ? String(o.latest.warnings.length) : '–'),
    cell(reviewTag(o.reviewState), o.latest ? [' ', el('button', { type: 'button', class: 'link', onclick: () => openReview(o) },
      'Review', el('span', { class: 'vh' }, ` ${o.code}`))] : null),
    cell(o.hasKey ? 'Issued' : 'None'),
    el('td', { class: 'nhsuk-table__cell nowrap' }, actions));
}

// Say how many rows are shown once typing pauses, so a screen reader hears the effect of the filter.
let filterPause;
const renderAndSay = () => {
  render();
  clearTimeout(filterPause);
  filterPause = setTimeout(() => announce($('filter-count').textContent), 600);
};
filter.addEventListener('input', renderAndSay);
onlyMissing.addEventListener('change', renderAndSay);
reviewFilter.addEventListener('change', renderAndSay);

// ---- Reviewing an organisation's latest version ------------------------------------------------------------------

const reviewSection = $('review'), reviewForm = $('review-form');
const reviewState = { organisation: null, latest: null };

async function openReview(o) {
  showError(null);
  const res = await adminCall(`/api/organisations/${encodeURIComponent(o.code)}/history`).catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (!res.ok) return showError(messageFor(res, 'Loading the versions'));
  const h = res.data;
  const latest = h.versions[0];
  reviewState.organisation = o;
  reviewState.latest = latest;
  $('review-heading').textContent = `Review ${o.code} – ${o.name}, version ${latest.receipt.version}`;
  $('review-summary').replaceChildren(el('div', { class: 'nhsuk-summary-list__row' },
    el('dt', { class: 'nhsuk-summary-list__key' }, `Review of version ${latest.receipt.version}`),
    el('dd', { class: 'nhsuk-summary-list__value' }, reviewNote(latest.review))));
  $('review-history').replaceChildren(historyTable(h, showDiff));
  $('review-diff').replaceChildren();
  for (const [input, error] of [[$('review-accepted'), $('review-state-error')], [$('review-comment'), $('review-comment-error')], [$('reviewer'), $('reviewer-error')]]) fieldError(input, error, null);
  reviewForm.reset();
  reviewSection.hidden = false;
  if (latest.receipt.version > 1) await showDiff(latest, false);
  announce(`Reviewing ${o.code}, version ${latest.receipt.version}.`);
  focusHeading($('review-heading'));
}

async function showDiff(version, focus = true) {
  const res = await adminCall(`/api/submissions/${encodeURIComponent(version.receipt.id)}/diff`).catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (!res.ok) return showError(messageFor(res, 'Comparing the versions'));
  $('review-diff').replaceChildren(el('h3', { class: 'nhsuk-heading-s', id: 'review-diff-heading', tabindex: '-1' },
    `Version ${res.data.from.version} to version ${res.data.to.version}`), diffTable(res.data, 'review-diff-caption'));
  if (focus) {
    announce($('review-diff-caption').textContent);
    focusHeading($('review-diff-heading'));
  }
}

reviewForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const chosen = reviewForm.querySelector('input[name="review-state"]:checked')?.value;
  const comment = $('review-comment').value.trim();
  const reviewer = $('reviewer').value.trim();
  const problems = [
    [$('review-accepted'), $('review-state-error'), chosen ? null : 'Choose Accepted or Changes requested.'],
    [$('review-comment'), $('review-comment-error'), chosen === 'changes-requested' && !comment ? 'Say in the comment which changes are needed.' : null],
    [$('reviewer'), $('reviewer-error'), reviewer ? null : 'Enter your name: it is kept with the review.'],
  ];
  for (const [input, error, message] of problems) fieldError(input, error, message);
  const first = problems.find(([, , message]) => message);
  if (first) {
    announce(first[2]);
    return focusErrorSummary(first[0]);
  }
  const button = $('review-submit');
  button.disabled = true;
  try {
    const res = await adminCall(`/api/submissions/${encodeURIComponent(reviewState.latest.receipt.id)}/reviews`, {
      method: 'POST', body: JSON.stringify({ state: chosen, comment, reviewer }), contentType: 'application/json',
    }).catch((err) => err);
    if (res instanceof Error) return showError(res.message);
    if (res.status !== 201) return showError(messageFor(res, 'Recording the review'));
    await reload();
    await openReview(state.organisations.find((o) => o.code === reviewState.organisation.code) ?? reviewState.organisation);
    announce(`Review recorded: ${reviewState.organisation.code} version ${res.data.version}, ${chosen === 'accepted' ? 'accepted' : 'changes requested'}.`);
  } finally {
    button.disabled = false;
  }
});

$('review-close').addEventListener('click', () => {
  reviewSection.hidden = true;
  focusHeading($('orgs-heading'));
});

// ---- Keys -------------------------------------------------------------------------------------------------------

async function issueKey(o) {
  if (o.hasKey && !window.confirm(`Replace the key of ${o.code}? Their current key stops working at once.`)) return;
  showError(null);
  const res = await adminCall(`/api/admin/organisations/${encodeURIComponent(o.code)}/key`, { method: 'POST' }).catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (res.status !== 201 || !res.data?.key) return showError(messageFor(res, 'Issuing the key'));
  $('new-key-heading').textContent = `New key for ${o.code} – ${o.name}`;
  $('new-key-label').textContent = `Key for ${o.code}`;
  $('new-key-value').value = res.data.key;
  $('new-key').hidden = false;
  announce(`Key issued for ${o.code}. It is shown only once.`);
  focusHeading($('new-key-heading'));
  await reload();
}

async function revokeKey(o) {
  if (!window.confirm(`Revoke the key of ${o.code}? They cannot submit until you issue a new one.`)) return;
  showError(null);
  const res = await adminCall(`/api/admin/organisations/${encodeURIComponent(o.code)}/key`, { method: 'DELETE' }).catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (!res.ok) return showError(messageFor(res, 'Revoking the key'));
  await reload();
  // The row was redrawn: keep keyboard focus in it rather than losing it to the top of the page.
  tbody.querySelector(`tr[data-code="${CSS.escape(o.code)}"] button.issue-key`)?.focus();
  announce(`Key revoked for ${o.code}.`);
}

$('copy-key').addEventListener('click', async () => {
  const input = $('new-key-value');
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select(); // no clipboard permission: leave it selected for Ctrl+C
    return announce('Could not copy automatically: the key is selected, press Ctrl+C to copy it.');
  }
  announce('Key copied.');
});

$('hide-key').addEventListener('click', () => {
  $('new-key').hidden = true;
  $('new-key-value').value = '';
  announce('Key hidden.');
  focusHeading($('orgs-heading'));
});

// ---- Collation downloads ----------------------------------------------------------------------------------------

async function download(path, fallback) {
  showError(null);
  const res = await adminCall(path, { as: 'blob' }).catch((e) => e);
  if (res instanceof Error) return showError(res.message);
  if (!res.ok) return showError(messageFor(res, 'The download'));
  const name = filenameFrom(res.response, fallback);
  saveBlob(res.data, name);
  announce(`Downloaded ${name}.`);
}

/**
 * An organisation's latest plan: the workbook the service rebuilds from what was checked, or (original) the file
 * exactly as it arrived, kept as evidence.
 */
function downloadFile(o, original = false) {
  const ext = original && o.latest.format === 'json' ? 'json' : 'xlsx';
  const path = `/api/submissions/${encodeURIComponent(o.latest.id)}/${original ? 'original' : 'file'}`;
  return download(path, `${o.code}-v${o.latest.version}${original ? '-original' : ''}.${ext}`);
}

$('download-xlsx').addEventListener('click', () => download('/api/collation.xlsx', 'naome-collation.xlsx'));
$('download-csv').addEventListener('click', () => download('/api/collation.csv', 'naome-collation.csv'));

// ---- Replacing the organisations list ---------------------------------------------------------------------------

$('replace-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('orgs-csv'), error = $('orgs-csv-error');
  fieldError(input, error, null);
  const file = input.files?.[0];
  if (!file) {
    fieldError(input, error, 'Choose the organisations CSV file first.');
    return focusErrorSummary(input);
  }
  if (!window.confirm(`Replace the whole organisations list with ${file.name}?`)) return;
  const res = await adminCall('/api/admin/organisations', { method: 'PUT', body: await file.text(), contentType: 'text/csv' }).catch((err) => err);
  const message = res instanceof NetworkError ? res.message : res instanceof Error ? String(res) : res.ok ? null : messageFor(res, 'Replacing the list');
  if (message) {
    fieldError(input, error, message);
    announce(`The list was not replaced. ${message}`);
    return focusErrorSummary(input);
  }
  input.value = '';
  await reload();
  announce(`Organisations list replaced: ${plural(res.data?.count ?? state.organisations.length, 'organisation')}.`);
});

// A key kept from earlier in this tab signs in at once.
if (state.key) signIn(state.key);
else keyInput.focus();
