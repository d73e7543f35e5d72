// The national team's desk on /admin (issue 13): the round (deadline, schedule), who is expected and their contacts,
// the dashboard (charts drawn by Chart.js, each with its figures in a table and PNG / CSV downloads), and reminders
// (preview, send, or CSV and mailto links when the service has no SMTP server). Starts once admin.js has signed in.
import { announce, call, el, fieldError, filenameFrom, messageFor, plural, saveBlob, timeElement } from './common.js';

const $ = (id) => document.getElementById(id);
const key = () => sessionStorage.getItem('naome.adminKey');
const adminCall = (path, options = {}) => call(path, { ...options, key: key() });

/** NHS.UK colours, each at least 3:1 against white (WCAG 1.4.11 for graphics). */
const COLOURS = ['#005eb8', '#007f3b', '#d5281b', '#330072', '#7c2855', '#425563', '#ed8b00', '#00a499', '#003087', '#78be20'];
const charts = new Map();

// ---- Start when signed in ---------------------------------------------------------------------------------------

let started = false;
const adminArea = $('admin');
const startIfSignedIn = () => {
  if (adminArea.hidden || !key()) { started = false; return; }
  if (started) return;
  started = true;
  void loadAll();
};
new MutationObserver(startIfSignedIn).observe(adminArea, { attributes: true, attributeFilter: ['hidden'] });
startIfSignedIn();

async function loadAll() {
  await Promise.all([loadRound(), loadOrganisations(), loadDashboard(), loadMessages()]);
}

async function get(path, what) {
  const res = await adminCall(path).catch((e) => e);
  if (res instanceof Error) throw res;
  if (!res.ok) throw new Error(messageFor(res, what));
  return res.data;
}

function showProblem(where, message) {
  where.replaceChildren(el('p', { class: 'nhsuk-error-message' }, message));
}

// ---- The round --------------------------------------------------------------------------------------------------

let remindersOn = false;

async function loadRound() {
  try {
    const r = await get('/api/admin/round', 'Loading the round');
    $('round-deadline').value = r.deadline ?? '';
    $('round-before').value = r.remindDaysBefore ?? '';
    $('round-weekly').checked = r.remindWeeklyAfter;
    remindersOn = r.remindersOn;
    $('round-mail').textContent = r.remindersOn
      ? 'E-mail is set up: scheduled reminders go out on their days.'
      : 'E-mail is not set up, so the schedule sends nothing until the service is started with an SMTP server.';
    $('reminders-off').hidden = r.remindersOn;
  } catch (e) {
    $('round-mail').textContent = e.message;
  }
}

$('round-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const deadline = $('round-deadline'), before = $('round-before');
  fieldError(deadline, $('round-deadline-error'), null);
  fieldError(before, $('round-before-error'), null);
  const days = before.value.trim();
  if (days !== '' && !/^\d+$/.test(days)) {
    fieldError(before, $('round-before-error'), 'Enter a whole number of days from 1 to 90, or leave it empty.');
    return before.focus();
  }
  const body = { deadline: deadline.value || null, remindDaysBefore: days === '' ? null : Number(days), remindWeeklyAfter: $('round-weekly').checked };
  const res = await adminCall('/api/admin/round', { method: 'PUT', body: JSON.stringify(body), contentType: 'application/json' }).catch((err) => err);
  if (res instanceof Error || !res.ok) {
    const message = res instanceof Error ? res.message : messageFor(res, 'Saving the round');
    const field = /days|remindDaysBefore/.test(message) ? before : deadline;
    fieldError(field, $(`${field.id}-error`), message);
    return field.focus();
  }
  announce('The round is saved.');
  await loadDashboard();
});

// ---- Who is expected --------------------------------------------------------------------------------------------

let organisations = [];

async function loadOrganisations() {
  try {
    organisations = await get('/api/admin/organisations', 'Loading the organisations');
  } catch (e) {
    $('expected-summary').textContent = e.message;
    return;
  }
  const select = $('expected-org');
  const chosen = select.value;
  select.replaceChildren(...organisations.map((o) => el('option', { value: o.code }, `${o.code} – ${o.name}`)));
  if (chosen) select.value = chosen;
  showChosen();
  const notExpected = organisations.filter((o) => !o.expected);
  const noContact = organisations.filter((o) => o.expected && o.contacts.length === 0);
  $('expected-summary').textContent = `${organisations.length - notExpected.length} of ${organisations.length} organisations are expected to return`
    + (notExpected.length ? ` (not expected: ${notExpected.map((o) => o.code).join(', ')})` : '')
    + `; ${plural(noContact.length, 'expected organisation')} without a contact address.`;
}

function showChosen() {
  const o = organisations.find((x) => x.code === $('expected-org').value);
  if (!o) return;
  $('expected-flag').checked = o.expected;
  $('expected-contacts').value = o.contacts.join('; ');
  fieldError($('expected-contacts'), $('expected-contacts-error'), null);
}
$('expected-org').addEventListener('change', showChosen);

$('expected-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = $('expected-org').value;
  const contacts = $('expected-contacts');
  fieldError(contacts, $('expected-contacts-error'), null);
  const body = { expected: $('expected-flag').checked, contacts: contacts.value };
  const res = await adminCall(`/api/admin/organisations/${encodeURIComponent(code)}`, { method: 'PATCH', body: JSON.stringify(body), contentType: 'application/json' }).catch((err) => err);
  if (res instanceof Error || !res.ok) {
    fieldError(contacts, $('expected-contacts-error'), res instanceof Error ? res.message : messageFor(res, 'Saving'));
    return contacts.focus();
  }
  announce(`${code} saved: ${res.data.expected ? 'expected' : 'not expected'}, ${plural(res.data.contacts.length, 'contact')}.`);
  await Promise.all([loadOrganisations(), loadDashboard()]);
});

// ---- The dashboard ----------------------------------------------------------------------------------------------

/** A chart's data as a table: a caption, column headings and rows (first cell the row's heading). */
function figureTable(id, caption, head, rows) {
  // A wide table scrolls in its box: the box takes focus (and is named) so it can be scrolled by keyboard.
  return el('div', { class: 'nhsuk-table-container table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    el('table', { class: 'nhsuk-table', id: `${id}-table` },
      el('caption', { class: 'nhsuk-table__caption nhsuk-table__caption--s' }, caption),
      el('thead', { class: 'nhsuk-table__head' }, el('tr', { class: 'nhsuk-table__row' }, ...head.map((h) => el('th', { class: 'nhsuk-table__header', scope: 'col' }, h)))),
      el('tbody', { class: 'nhsuk-table__body' }, ...rows.map((r) => el('tr', { class: 'nhsuk-table__row' },
        el('th', { class: 'nhsuk-table__header', scope: 'row' }, String(r[0])),
        ...r.slice(1).map((v) => el('td', { class: 'nhsuk-table__cell numeric' }, v === null ? '–' : String(v))))))));
}

const csvField = (v) => {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * One chart: heading, the canvas (an image to assistive technology, named by its summary), its table, and the
 * PNG / CSV downloads. `config` is Chart.js's.
 */
function chartFigure(id, title, summary, config, head, rows) {
  const canvas = el('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': `${title}. ${summary} The figures are in a table after the chart (Show the figures as a table).` });
  const download = (what) => {
    const name = `naome-${id}.${what}`;
    if (what === 'png') {
      canvas.toBlob((blob) => { saveBlob(blob, name); announce(`Downloaded ${name}.`); }, 'image/png');
    } else {
      const text = '\uFEFF' + [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
      saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), name);
      announce(`Downloaded ${name}.`);
    }
  };
  const figure = el('figure', { class: 'chart-figure', id, 'aria-labelledby': `${id}-title` },
    el('h3', { class: 'nhsuk-heading-s', id: `${id}-title` }, title),
    el('p', { class: 'nhsuk-body-s' }, summary),
    el('div', { class: 'chart-box' }, canvas),
    el('details', { class: 'nhsuk-details' },
      el('summary', { class: 'nhsuk-details__summary' }, el('span', { class: 'nhsuk-details__summary-text' }, 'Show the figures as a table', el('span', { class: 'vh' }, `: ${title}`))),
      el('div', { class: 'nhsuk-details__text' }, figureTable(id, `${title}: the figures`, head, rows))),
    el('div', { class: 'nhsuk-button-group' },
      el('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary nhsuk-button--small', onclick: () => download('png') },
        'Download chart (PNG)', el('span', { class: 'vh' }, `: ${title}`)),
      el('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary nhsuk-button--small', onclick: () => download('csv') },
        'Download figures (CSV)', el('span', { class: 'vh' }, `: ${title}`))));
  return { figure, draw: () => {
    charts.get(id)?.destroy();
    const base = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } };
    charts.set(id, new window.Chart(canvas, { ...config, options: { ...base, ...config.options, plugins: { ...base.plugins, ...config.options?.plugins } } }));
  } };
}

/** Draws a dashed vertical line at the deadline on the returns chart. */
const deadlineLine = (index) => ({
  id: 'deadline',
  afterDatasetsDraw(chart) {
    if (index < 0) return;
    const x = chart.scales.x.getPixelForValue(index);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = '#212b32';
    ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
    ctx.fillStyle = '#212b32';
    ctx.textAlign = 'right';
    ctx.fillText('Deadline', x - 4, top + 12);
    ctx.restore();
  },
});

const ukDay = (iso) => iso.split('-').reverse().join('/');

async function loadDashboard() {
  let d;
  try {
    d = await get('/api/dashboard', 'Loading the dashboard');
  } catch (e) {
    $('dashboard-totals').textContent = e.message;
    return;
  }
  $('dashboard-totals').textContent = `${d.expectedReturned} of ${d.expected} expected organisations have returned a plan; ${d.notReturned} have not`
    + (d.deadline ? ` (deadline ${ukDay(d.deadline)})` : ' (no deadline set)') + '.'
    + (d.returnedNotExpected ? ` ${plural(d.returnedNotExpected, 'organisation')} not expected to return ${d.returnedNotExpected === 1 ? 'has' : 'have'} returned one too.` : '');

  const figures = [];
  // Returns over time.
  const days = d.timeline.map((t) => t.day);
  figures.push(chartFigure('returns-over-time', 'Returns over time',
    `Expected organisations that have returned, day by day, against the ${d.expected} expected${d.deadline ? ` and the deadline of ${ukDay(d.deadline)}` : ''}.`,
    {
      type: 'line',
      data: { labels: days.map(ukDay), datasets: [
        { label: 'Returned (cumulative)', data: d.timeline.map((t) => t.returned), borderColor: COLOURS[0], backgroundColor: COLOURS[0], stepped: true, pointRadius: 3 },
        { label: 'Expected', data: d.timeline.map(() => d.expected), borderColor: COLOURS[5], backgroundColor: COLOURS[5], borderDash: [4, 4], pointRadius: 0 },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      plugins: [deadlineLine(d.deadline ? days.indexOf(d.deadline) : -1)],
    },
    ['Day', 'Returned (cumulative)', 'Expected'],
    d.timeline.map((t) => [ukDay(t.day) + (t.day === d.deadline ? ' (deadline)' : ''), t.returned, d.expected])));

  // Returns by nation and NHS England region.
  const areas = d.areas;
  figures.push(chartFigure('returns-by-area', 'Returns by nation and NHS England region',
    'For each nation and region: organisations expected to return, expected ones that have, and valid plans among all returned (expected or not).',
    {
      type: 'bar',
      data: { labels: areas.map((a) => a.area), datasets: [
        { label: 'Expected', data: areas.map((a) => a.expected), backgroundColor: COLOURS[5] },
        { label: 'Expected and returned', data: areas.map((a) => a.expectedReturned), backgroundColor: COLOURS[0] },
        { label: 'Valid (of all returned)', data: areas.map((a) => a.valid), backgroundColor: COLOURS[1] },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    ['Area', 'Expected', 'Expected and returned', 'Not returned', 'Returned (all)', 'Valid'],
    areas.map((a) => [a.area, a.expected, a.expectedReturned, a.notReturned, a.returned, a.valid])));

  // Status and priority per recommendation.
  const recs = d.recommendations;
  const stacked = (id, title, summary, pick) => {
    const labels = recs[0] ? pick(recs[0]).map((x) => x.label) : [];
    figures.push(chartFigure(id, title, summary,
      {
        type: 'bar',
        data: { labels: recs.map((r) => `Recommendation ${r.recommendation}`), datasets: labels.map((label, i) => ({
          label, data: recs.map((r) => pick(r)[i].count), backgroundColor: COLOURS[i % COLOURS.length],
        })) },
        options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
      },
      ['Recommendation', ...labels, 'Actions'],
      recs.map((r) => [r.recommendation, ...pick(r).map((x) => x.count), r.actions])));
  };
  stacked('status-by-recommendation', 'Status (Key 1) of actions, per recommendation', 'How many actions have each status, recommendation by recommendation.', (r) => r.byStatus);
  stacked('priority-by-recommendation', 'Priority (Key 2) of actions, per recommendation', 'How many actions have each priority, recommendation by recommendation.', (r) => r.byPriority);

  // Overdue actions per recommendation and region.
  const recNumbers = recs.map((r) => r.recommendation);
  figures.push(chartFigure('overdue-by-area', 'Overdue actions per recommendation and area',
    'Actions past their deadline and not fully implemented, for each nation and region, split by recommendation.',
    {
      type: 'bar',
      data: { labels: areas.map((a) => a.area), datasets: recNumbers.map((n, i) => ({
        label: `Recommendation ${n}`, data: areas.map((a) => a.overdueByRecommendation[i]), backgroundColor: COLOURS[i % COLOURS.length],
      })) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    },
    ['Area', ...recNumbers.map((n) => `Recommendation ${n}`), 'All recommendations'],
    areas.map((a) => [a.area, ...a.overdueByRecommendation, a.overdue])));

  // The organisations with most overdue actions.
  figures.push(chartFigure('most-overdue', 'Organisations with the most overdue actions',
    d.mostOverdue.length ? `The ${d.mostOverdue.length} organisations with the most overdue actions, most first.` : 'No organisation has an overdue action.',
    {
      type: 'bar',
      data: { labels: d.mostOverdue.map((o) => `${o.code} ${o.name}`), datasets: [{ label: 'Overdue actions', data: d.mostOverdue.map((o) => o.overdue), backgroundColor: COLOURS[2] }] },
      options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    ['Organisation', 'Area', 'Overdue actions'],
    d.mostOverdue.map((o) => [`${o.code} ${o.name}`, o.area, o.overdue])));

  $('charts').replaceChildren(...figures.map((f) => f.figure));
  if (window.Chart) for (const f of figures) f.draw();
  else $('charts').prepend(el('p', { class: 'nhsuk-body-s' }, 'The charts could not be drawn (their script did not load); the tables hold every figure.'));
}

// ---- Reminders --------------------------------------------------------------------------------------------------

const kindNow = () => document.querySelector('input[name="reminder-kind"]:checked').value;

function mailto(r) {
  const q = `subject=${encodeURIComponent(r.subject)}&body=${encodeURIComponent(r.text)}`;
  return `mailto:${r.to.map(encodeURIComponent).join(',')}?${q}`;
}

function showResult(kind, text, items = []) {
  const box = $('reminders-result');
  box.className = kind === 'error' ? 'nhsuk-error-summary' : 'notice ok';
  box.replaceChildren(el('h3', { class: kind === 'error' ? 'nhsuk-error-summary__heading' : 'nhsuk-heading-s' }, text),
    items.length ? el('ul', { class: 'nhsuk-list' }, ...items.map((t) => el('li', {}, t))) : null);
  box.hidden = false;
  box.focus();
}

async function preview() {
  const kind = kindNow();
  const area = $('reminders-preview-area');
  $('reminders-result').hidden = true;
  let p;
  try {
    p = await get(`/api/admin/reminders?kind=${encodeURIComponent(kind)}`, 'The preview');
  } catch (e) {
    return showProblem(area, e.message);
  }
  const withContact = p.reminders.filter((r) => r.to.length);
  const rows = p.reminders.map((r) => el('tr', { class: 'nhsuk-table__row' },
    el('th', { class: 'nhsuk-table__header', scope: 'row' }, el('strong', {}, r.code), ` ${r.name}`),
    el('td', { class: 'nhsuk-table__cell' }, r.to.length ? r.to.join('; ') : el('strong', { class: 'nhsuk-tag nhsuk-tag--grey' }, 'No contact')),
    el('td', { class: 'nhsuk-table__cell' },
      el('details', { class: 'message-text' }, el('summary', {}, r.subject), el('pre', {}, r.text)),
      !p.remindersOn && r.to.length ? el('a', { href: mailto(r) }, 'Write this e-mail', el('span', { class: 'vh' }, ` to ${r.code}`)) : null)));
  const downloadCsv = async () => {
    const res = await adminCall(`/api/admin/reminders.csv?kind=${encodeURIComponent(kind)}`, { as: 'blob' }).catch((e) => e);
    if (res instanceof Error || !res.ok) return showResult('error', res instanceof Error ? res.message : messageFor(res, 'The download'));
    const name = filenameFrom(res.response, `naome-reminders-${kind}.csv`);
    saveBlob(res.data, name);
    announce(`Downloaded ${name}.`);
  };
  area.replaceChildren(
    el('p', { id: 'reminders-count' }, `${plural(p.reminders.length, 'reminder')} due; ${withContact.length} with a contact address.`),
    p.reminders.length ? el('div', { class: 'nhsuk-table-container table-wrap' }, el('table', { class: 'nhsuk-table', id: 'reminders-table' },
      el('caption', { class: 'nhsuk-table__caption nhsuk-table__caption--s' }, 'Reminders due'),
      el('thead', { class: 'nhsuk-table__head' }, el('tr', { class: 'nhsuk-table__row' },
        ...['Organisation', 'To', 'Message'].map((h) => el('th', { class: 'nhsuk-table__header', scope: 'col' }, h)))),
      el('tbody', { class: 'nhsuk-table__body' }, ...rows))) : null,
    el('div', { class: 'nhsuk-button-group' },
      p.remindersOn && withContact.length
        ? el('button', { type: 'button', class: 'nhsuk-button', id: 'reminders-send', onclick: () => send(kind, withContact.length) }, `Send ${plural(withContact.length, 'reminder')}`)
        : null,
      el('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'reminders-csv', onclick: downloadCsv }, 'Download the list (CSV)')));
  announce(`${plural(p.reminders.length, 'reminder')} due.`);
}

$('reminders-form').addEventListener('submit', (e) => { e.preventDefault(); void preview(); });

async function send(kind, count) {
  if (!window.confirm(`Send ${plural(count, 'reminder')} now?`)) return;
  const button = $('reminders-send');
  button.disabled = true;
  const res = await adminCall('/api/admin/reminders', { method: 'POST', body: JSON.stringify({ kind }), contentType: 'application/json' }).catch((e) => e);
  button.disabled = false;
  if (res instanceof Error || !res.ok) {
    return showResult('error', res instanceof Error ? res.message : messageFor(res, 'Sending'));
  }
  const r = res.data;
  const failures = r.outcomes.filter((o) => o.outcome === 'failed').map((o) => `${o.code}: ${o.error}`);
  if (r.failed) showResult('error', `${r.failed} of ${r.sent + r.failed} reminders could not be sent; ${r.sent} sent. Nothing failed was recorded as sent: send again to retry them.`, failures);
  else showResult('ok', `${plural(r.sent, 'reminder')} sent.`);
  await loadMessages();
}

async function loadMessages() {
  const area = $('messages-area');
  let list;
  try {
    list = await get('/api/admin/messages', 'Loading the messages');
  } catch (e) {
    return showProblem(area, e.message);
  }
  if (!list.length) return area.replaceChildren(el('p', { class: 'nhsuk-body-s' }, 'No message has been sent yet.'));
  area.replaceChildren(el('div', { class: 'nhsuk-table-container table-wrap' }, el('table', { class: 'nhsuk-table', id: 'messages-table' },
    el('caption', { class: 'nhsuk-table__caption nhsuk-table__caption--s' }, `The last ${plural(Math.min(list.length, 50), 'message')}`),
    el('thead', { class: 'nhsuk-table__head' }, el('tr', { class: 'nhsuk-table__row' },
      ...['When', 'Organisation', 'To', 'Kind', 'How', 'Outcome'].map((h) => el('th', { class: 'nhsuk-table__header', scope: 'col' }, h)))),
    el('tbody', { class: 'nhsuk-table__body' }, ...list.slice(0, 50).map((m) => el('tr', { class: 'nhsuk-table__row' },
      el('td', { class: 'nhsuk-table__cell' }, timeElement(m.at)),
      el('th', { class: 'nhsuk-table__header', scope: 'row' }, m.organisation),
      el('td', { class: 'nhsuk-table__cell' }, m.recipients.join('; ')),
      el('td', { class: 'nhsuk-table__cell' }, m.kind),
      el('td', { class: 'nhsuk-table__cell' }, m.trigger),
      el('td', { class: 'nhsuk-table__cell' }, m.outcome === 'sent' ? 'Sent' : `Failed: ${m.error ?? ''}`)))))));
}
