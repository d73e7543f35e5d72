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
