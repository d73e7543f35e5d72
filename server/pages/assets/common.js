// Helpers shared by the submission and admin pages: calling the service, showing errors next to their fields,
// announcing results to screen readers and saving downloads. Plain ES module; the DOM is built with textContent only,
// so nothing the service or a workbook says can become markup.

/** Builds an element: el('p', { class: 'hint', id: 'x' }, 'text', childNode…). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** The live region: set its text after clearing it, so the same message said twice is announced twice. */
export function announce(text) {
  const region = document.getElementById('status');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Moves focus to a heading (tabindex=-1) so keyboard and screen reader users land on the result. */
export function focusHeading(heading) {
  heading.focus({ preventScroll: true });
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  heading.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'start' });
}

/**
 * Shows (or clears) an error for a field, the NHS.UK way: the text goes in the field's error message, which the field
 * already names in aria-describedby; the field and its form group are marked invalid; and the page's error summary
 * ("There is a problem") lists every error shown, each linked to its field.
 */
export function fieldError(field, errorElement, message) {
  errorElement.textContent = message || '';
  errorElement.hidden = !message;
  if (message) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
  field.closest('.nhsuk-form-group')?.classList.toggle('nhsuk-form-group--error', Boolean(message));
  if (field.classList.contains('nhsuk-input')) field.classList.toggle('nhsuk-input--error', Boolean(message));
  showErrorSummary();
}

/** The error summary at the top of the page: one link per error message shown, to the field it belongs to. */
function showErrorSummary() {
  const summary = document.getElementById('error-summary');
  if (!summary) return;
  const shown = [...document.querySelectorAll('.nhsuk-error-message')].filter((e) => !e.hidden && e.closest('[hidden]') === null);
  document.getElementById('error-summary-list').replaceChildren(...shown.map((e) => {
    const field = document.querySelector(`[aria-describedby~="${CSS.escape(e.id)}"]`);
    return el('li', {}, el('a', { href: `#${field?.id ?? ''}`, 'data-field': field?.id ?? '' }, e.textContent));
  }));
  summary.hidden = shown.length === 0;
}

/**
 * After a form is refused: focus moves to the error summary (the NHS.UK pattern: it is read out first, and each of its
 * links moves focus to its field); where the page has none showing, to the field itself.
 */
export function focusErrorSummary(field) {
  const summary = document.getElementById('error-summary');
  if (summary && !summary.hidden && summary.closest('[hidden]') === null) {
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: 'start' });
  } else field.focus();
}

// A link in the error summary moves focus to its field (a fragment link alone would only scroll to it).
document.addEventListener('click', (e) => {
  const link = e.target instanceof Element ? e.target.closest('#error-summary a[data-field]') : null;
  const field = link && document.getElementById(link.dataset.field);
  if (!field) return;
  e.preventDefault();
  field.focus({ preventScroll: true });
  (field.closest('.nhsuk-form-group') ?? field).scrollIntoView({ block: 'start' });
});

export class NetworkError extends Error {}

/**
 * Calls the service. Resolves to { status, ok, data, response } for any HTTP answer (data is the parsed JSON body, or
 * null); rejects with NetworkError only when the service could not be reached.
 */
export async function call(path, { method = 'GET', body, contentType, key, as = 'json', headers: extra = {} } = {}) {
  const headers = { ...extra };
  if (contentType) headers['Content-Type'] = contentType;
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, { method, body, headers, cache: 'no-store' });
  } catch {
    throw new NetworkError('The service could not be reached. Check your connection and try again; nothing was sent.');
  }
  let data = null;
  if (as === 'blob' && response.ok) data = await response.blob();
  else if ((response.headers.get('content-type') ?? '').includes('json')) data = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, data, response };
}

/** Plain words for a failed answer: the service's own message when it gave one, else one by status. */
export function messageFor(result, what = 'The request') {
  const given = result.data?.error?.message;
  if (given) return given;
  switch (result.status) {
    case 401: return 'The key was not accepted. Check that you copied it in full; if it still fails, ask the national team for a new key.';
    case 403: return 'This key cannot do that.';
    case 413: return 'The file is too large for the service. An action plan workbook is normally well under 1 MB.';
    case 429: return 'Too many requests in a short time. Wait a minute, then try again.';
    default: return `${what} failed (HTTP ${result.status}). Try again; if it keeps failing, contact the national team.`;
  }
}

/** The file name in a Content-Disposition header, or the fallback. */
export function filenameFrom(response, fallback) {
  const header = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Saves a blob as a download with the given name. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "3 errors, 1 warning". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A date and time in the reader's locale, with the ISO text kept for machines. */
export function timeElement(iso) {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso
    : d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  return el('time', { datetime: iso }, text);
}

// ---- versions, reviews and what changed (the submission page and the admin page show the same things) ------------

const REVIEW_TAGS = {
  'not-returned': ['Not returned', 'grey'],
  'awaiting-review': ['Awaiting review', 'yellow'],
  accepted: ['Accepted', 'green'],
  'changes-requested': ['Changes requested', 'red'],
};

/** An NHS tag for a review state ("Accepted", "Changes requested", …). */
export function reviewTag(state) {
  const [text, colour] = REVIEW_TAGS[state] ?? [state, 'grey'];
  return el('strong', { class: `nhsuk-tag nhsuk-tag--${colour}`, 'data-review': state }, text);
}

/** A review as a summary list row's value: the tag, who and when, and the comment. */
export function reviewNote(review) {
  if (!review) return [reviewTag('awaiting-review')];
  return [reviewTag(review.state), ' ', el('span', {}, `by ${review.reviewer}, `), timeElement(review.reviewedAt),
    review.comment ? el('p', { class: 'review-comment' }, review.comment) : null];
}

const cellOf = (...content) => el('td', { class: 'nhsuk-table__cell' }, ...content);
const headOf = (text) => el('th', { class: 'nhsuk-table__header', scope: 'col' }, text);

/** A table of the changes between two versions (GET /api/submissions/:id/diff), a row per change. */
export function diffTable(diff, captionId) {
  const s = diff.summary;
  const caption = `What changed from version ${diff.from.version} to version ${diff.to.version}: `
    + `${plural(s.changed, 'change')}, ${plural(s.added, 'action')} added, ${plural(s.removed, 'action')} removed, ${plural(s.leads, 'lead')} changed`
    + (s.deadlinesLater ? `, ${plural(s.deadlinesLater, 'deadline')} moved later` : '');
  const kinds = { added: 'Action added', removed: 'Action removed', changed: 'Changed', lead: 'Lead changed' };
  const rows = diff.changes.map((c) => el('tr', { class: 'nhsuk-table__row', 'data-kind': c.kind, 'data-field': c.field ?? '' },
    cellOf(c.recommendation ?? '–'),
    cellOf(c.row ?? '–'),
    cellOf(kinds[c.kind] ?? c.kind, c.deadlineLater ? [' ', el('strong', { class: 'nhsuk-tag nhsuk-tag--orange' }, 'Later')] : null),
    cellOf(c.fieldLabel ?? (c.kind === 'lead' ? '' : 'Action'), c.action && c.kind !== 'lead' ? el('span', { class: 'change-action' }, c.action) : null),
    cellOf(c.from ?? '–'),
    cellOf(c.to ?? '–')));
  return el('div', { class: 'nhsuk-table-container table-wrap' }, el('table', { class: 'nhsuk-table diff-table' },
    el('caption', { class: 'nhsuk-table__caption nhsuk-table__caption--s', id: captionId }, caption),
    el('thead', { class: 'nhsuk-table__head' }, el('tr', { class: 'nhsuk-table__row' },
      headOf('Recommendation'), headOf('Row'), headOf('Change'), headOf('Field and action'), headOf('Was'), headOf('Now'))),
    el('tbody', { class: 'nhsuk-table__body' }, rows.length ? rows
      : el('tr', { class: 'nhsuk-table__row' }, el('td', { class: 'nhsuk-table__cell', colspan: '6' }, 'Nothing changed.')))));
}

/**
 * A table of an organisation's versions (GET /api/organisations/:code/history), newest first; `onDiff(version)` is
 * called by each version's "What changed" button (versions after the first).
 */
export function historyTable(history, onDiff) {
  const rows = history.versions.map((v) => el('tr', { class: 'nhsuk-table__row', 'data-version': v.receipt.version },
    el('th', { class: 'nhsuk-table__header', scope: 'row' }, `Version ${v.receipt.version}`),
    cellOf(timeElement(v.receipt.receivedAt)),
    cellOf(`${plural(v.errors, 'error')}, ${plural(v.warnings, 'warning')}`),
    cellOf(...reviewNote(v.review)),
    cellOf(v.receipt.version > 1
      ? el('button', { type: 'button', class: 'link', onclick: () => onDiff(v) }, 'What changed', el('span', { class: 'vh' }, ` in version ${v.receipt.version}`))
      : 'First version')));
  return el('div', { class: 'nhsuk-table-container table-wrap' }, el('table', { class: 'nhsuk-table history-table' },
    el('caption', { class: 'nhsuk-table__caption nhsuk-table__caption--s' }, `Versions of ${history.organisation.code} – ${history.organisation.name}, newest first`),
    el('thead', { class: 'nhsuk-table__head' }, el('tr', { class: 'nhsuk-table__row' },
      headOf('Version'), headOf('Received'), headOf('Checks'), headOf('Review'), headOf('Changes'))),
    el('tbody', { class: 'nhsuk-table__body' }, rows)));
}
