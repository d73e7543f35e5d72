// The template as data holds the form's own words: every recommendation, suggested action, key entry and line of
// the NAoMe form appears verbatim in the form's text (seeds/), and a broken template is refused with a readable reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { currentTemplate, type Template } from '../shared/template';
import { parseTemplate } from '../shared/templateSchema';

const seedUrl = new URL('../seeds/naome-local-action-plan-2025.txt', import.meta.url);
const seed = readFileSync(seedUrl, 'utf8');

/** Ignores only line wrapping, runs of whitespace and bullet characters, as the issue allows. */
const fold = (s: string) => s.replace(/[·•]/g, ' ').replace(/\s+/g, ' ').trim();
const folded = fold(seed);
const inForm = (text: string, what: string) => assert.ok(folded.includes(fold(text)), `${what} is not verbatim in the form:\n  ${fold(text)}`);

describe('template: the NAoMe 2025 form as data', function () {
  const t = currentTemplate;

  it('is the form the project ships', function () {
    // seeds/ holds the form's text; the tests below hold the template to it, reading nothing outside the repository.
    assert.match(seed, /National Audit of Metastatic Breast Cancer/);
    assert.equal(t.id, 'naome-2025');
    assert.equal(t.version, 1);
  });

  it('is a complete, valid template as shipped: the schema accepts the built-in JSON and changes nothing', function () {
    // The commands use the built-in JSON without parsing it (no zod at start-up), so it must need no default.
    const shipped = JSON.parse(readFileSync(new URL('../shared/templates/naome-2025.json', import.meta.url), 'utf8'));
    assert.deepEqual(parseTemplate(shipped), shipped);
    assert.deepEqual(t, shipped);
  });

  it('has every recommendation text verbatim', function () {
    assert.equal(t.recommendations.length, 5);
    for (const rec of t.recommendations) inForm(rec.text, `Recommendation ${rec.number}`);
  });

  it('has every suggested action verbatim, in the form\'s order', function () {
    for (const rec of t.recommendations) {
      assert.ok(rec.suggestedActions.length > 0, `recommendation ${rec.number} has suggested actions`);
      let from = 0;
      for (const action of rec.suggestedActions) {
        inForm(action, `A suggested action of recommendation ${rec.number}`);
        const at = folded.indexOf(fold(action), from);
        assert.ok(at >= from, `recommendation ${rec.number}: "${action.slice(0, 40)}…" out of order`);
        from = at;
      }
    }
    assert.equal(t.recommendations.reduce((n, r) => n + r.suggestedActions.length, 0), 17);
  });

  it('has the title, instruction, audit title and aim, header labels, SMART line, keys, notes and contact verbatim', function () {
    inForm(t.title, 'The title');
    inForm(t.instruction, 'The instruction');
    inForm(`${t.audit.label}: ${t.audit.title} - ${t.audit.aim}`, 'The audit title and aim');
    for (const f of t.headerFields) inForm(`${f.label}:`, `Header field ${f.id}`);
    inForm(t.smart, 'The SMART reminder');
    inForm(t.statusKey.title, 'Key 1 title');
    inForm(t.statusKey.entries.map((e) => `${e.code}. ${e.label}`).join(' '), 'Key 1');
    inForm(t.priorityKey.title, 'Key 2 title');
    inForm(t.priorityKey.entries.map((e) => `${e.label}: ${e.meaning}`).join(' '), 'Key 2');
    for (const n of t.notes) inForm(n, 'A note');
    inForm(t.feedback, 'The feedback line');
    inForm(t.contact, 'The contact line');
  });

  it('groups recommendations 1–3 as clinical and 4–5 as data quality (the form repeats "Clinical Recommendations")', function () {
    assert.equal(folded.split('Clinical Recommendations').length - 1, 2, 'the form heads both groups "Clinical Recommendations"');
    inForm(t.groups.find((g) => g.id === 'clinical')!.title, 'The clinical group heading');
    assert.deepEqual(t.recommendations.map((r) => r.group), ['clinical', 'clinical', 'clinical', 'data-quality', 'data-quality']);
    // Key codes the rules depend on.
    assert.equal(t.statusKey.implementedCode, 3);
    assert.deepEqual(t.statusKey.needsReasonCodes, [4, 5]);
  });
});

describe('template: the schema refuses a broken template with a readable message', function () {
  const copy = (): Template => structuredClone(currentTemplate);
  const refused = (data: unknown, message: RegExp) => assert.throws(() => parseTemplate(data), (err: Error) => {
    assert.match(err.message, /^Invalid template:/);
    assert.match(err.message, message);
    return true;
  });

  it('names a recommendation in an unknown group', function () {
    const t = copy();
    t.recommendations[1]!.group = 'surgery';
    refused(t, /recommendations\.1\.group: unknown group "surgery"/);
  });

  it('names a missing title, an empty suggested action and a misnumbered recommendation', function () {
    const t = copy() as Partial<Template>;
    delete t.title;
    refused(t, /\n {2}title: /);
    const u = copy();
    u.recommendations[2]!.suggestedActions[0] = '';
    refused(u, /recommendations\.2\.suggestedActions\.0: /);
    const v = copy();
    v.recommendations[3]!.number = 7;
    refused(v, /recommendations\.3\.number: recommendations are numbered 1, 2, 3… in order/);
  });

  it('names an implemented code that is not in Key 1, and a template without an organisation field', function () {
    const t = copy();
    t.statusKey.implementedCode = 7;
    refused(t, /statusKey: status code 7 is not in the key/);
    const u = copy();
    u.headerFields = u.headerFields.filter((f) => f.kind !== 'organisation');
    refused(u, /headerFields: exactly one organisation field/);
    refused('not a template', /\(root\): /);
  });

  it('accepts the second-audit fixture: another id, 2 groups, 3 recommendations, a 4-code key, other priorities', function () {
    const t = parseTemplate(JSON.parse(readFileSync(new URL('./fixtures/second-audit.json', import.meta.url), 'utf8')));
    assert.notEqual(t.id, currentTemplate.id);
    assert.deepEqual([t.groups.length, t.recommendations.length, t.statusKey.entries.length], [2, 3, 4]);
    assert.deepEqual(t.priorityKey.entries.map((e) => e.label), ['Urgent', 'Routine']);
  });
});
