// The national rules on the plan model: a correct plan gives no finding at all, and each code is raised at the right
// cell, recommendation and field, and not for near-misses. Plans are built the honest way: content placed in cells by
// the shared layout, then read by extractPlan, exactly as a workbook reader does.
import assert from 'node:assert/strict';
import { addDays, type RawCell } from '../shared/cells';
import { PLAN_CODES, type Finding } from '../shared/findings';
import { PLAN_SHEET, planLayout } from '../shared/layout';
import { extractPlan, type Plan } from '../shared/plan';
import { checkPlan, isOverdue, namesIndividual, validatePlan, type CheckContext } from '../shared/rules';
import { currentTemplate } from '../shared/template';
import { loadOrganisations } from '../server/organisations';
import { contentCells, goodPlanContent, type ActionContent, type PlanContent } from './helpers/plans';

/** A fixed "today", so the date rules give the same answer every day the tests run. */
const TODAY = '2026-06-15';
const ctx: CheckContext = { template: currentTemplate, organisations: loadOrganisations(), today: TODAY };
const layout = planLayout(currentTemplate, []);
const R1 = layout.recommendations[0]!.firstActionRow; // first action row of recommendation 1 (row 22)
const R2 = layout.recommendations[1]!.firstActionRow;

const day = (offset: number) => new Date(`${addDays(TODAY, offset)}T00:00:00Z`);

/** The good plan, with deadlines re-based on TODAY (the helper's are relative to the real today). */
function good(): PlanContent {
  const content = goodPlanContent('RGT');
  content.actions.forEach((a, i) => { a.deadline = day(60 + i * 10); });
  return content;
}

/** Content → cells (by the layout) → Plan (by extractPlan), with the official text as our writer puts it. */
function planOf(content: PlanContent, official: Record<string, string | null> = {}): Plan {
  const cells = new Map<string, RawCell>();
  for (const o of layout.official) cells.set(o.cell, o.cell in official ? official[o.cell] : o.text);
  for (const { cell, value } of contentCells(content)) cells.set(cell, value);
  return extractPlan(currentTemplate, (sheet, cell) => (sheet === PLAN_SHEET ? cells.get(cell) : null));
}

/** The good plan with the first action of recommendation 1 (row R1) changed. */
function withFirstAction(change: Partial<ActionContent>): Plan {
  const content = good();
  Object.assign(content.actions[0]!, change);
  return planOf(content);
}

const codes = (findings: Finding[]) => findings.map((f) => f.code);
function only(findings: Finding[], code: string): Finding {
  assert.deepEqual(codes(findings), [code], JSON.stringify(findings, null, 2));
  return findings[0]!;
}
function assertWhere(f: Finding, cell: string, recommendation: number | null, field: string | null) {
  assert.equal(f.sheet, PLAN_SHEET);
  assert.equal(f.cell, cell);
  assert.equal(f.recommendation, recommendation);
  assert.equal(f.field, field);
  assert.equal(f.severity, PLAN_CODES[f.code as keyof typeof PLAN_CODES] ?? f.severity);
}

describe('rules: a fully correct plan', () => {
  it('gives no finding at all, and a valid result naming the organisation and template', () => {
    const plan = planOf(good());
    assert.equal(plan.actions.length, 6);
    assert.deepEqual(checkPlan(plan, ctx), []);
    const result = validatePlan(plan, ctx, 'plan.xlsx');
    assert.deepEqual(result, {
      file: 'plan.xlsx',
      valid: true,
      readable: true,
      template: { id: 'naome-2025', version: 1 },
      organisation: { code: 'RGT', name: 'Cambridge University Hospitals NHS Foundation Trust' },
      findings: [],
    });
  });

  it('accepts every way of writing a status, priority, organisation and deadline that means the same', () => {
    const content = good();
    const variants: Array<Partial<ActionContent>> = [
      { status: '2', priority: 'high' },
      { status: 'action in progress', priority: 'MEDIUM ' },
      { status: ' 2. Action  in progress ', priority: 'L' },
      { status: '1', priority: 'High: requires urgent attention (local audit)', deadline: '31/12/2026' },
      { status: '3', progress: 'Done: audit of 20 cases', deadline: day(-30) }, // passed, but implemented
      { status: '4', reason: 'Already meets the standard: 100% discussed at MDT', deadline: '15 Jul 2026' },
    ];
    // and the forgiving spellings (test/values.test.ts has every one)
    const more: Array<Partial<ActionContent>> = [
      { status: '2 - started Oct 2026', priority: 'High - urgent attention' },
      { status: 'In progress', priority: 'Med' },
      { status: '(2)', priority: 'Hi' },
      { status: 'Fully implemented', progress: 'Audit of 20 cases: all recorded', priority: 'Lo' },
      { status: 'No plan', reason: 'Service moving to the regional centre in April', deadline: 'N/A' },
      { status: 'Other', reason: 'Covered by the network plan', deadline: null },
    ];
    more.forEach((v, i) => Object.assign(content.actions[i]!, v));
    content.header.organisation = 'Cambridge University Hospitals NHS Foundation Trust (RGT)';
    assert.deepEqual(checkPlan(planOf(content), ctx), []);
    variants.forEach((v, i) => Object.assign(content.actions[i]!, v));
    variants.forEach((v, i) => Object.assign(content.actions[i]!, v));
    content.header.organisation = 'rgt – Cambridge University Hospitals NHS Foundation Trust';
    assert.deepEqual(checkPlan(planOf(content), ctx), []);
  });

  it('counts these as named individuals, and these as not', () => {
    for (const name of ['Dr A Khan', 'Dr J Smith', 'Jane Smith (CNS)', "Sean O'Brien, lead nurse", 'Mrs Smith-Jones', 'Priya'])
      assert.ok(namesIndividual(name), name);
    for (const team of ['TBC', 'Breast team', 'MDT', 'Oncology', 'All', 'Consultants', 'Lead CNS', 'Breast care nurses',
      'Cancer services manager', 'MDT co-ordinator', "Breast team's data lead", 'n/a', '-'])
      assert.ok(!namesIndividual(team), team);
    // Names in any script; a role with accented or non-Latin letters around it is still only a role.
    for (const name of ['Dr Zoë Brontë', 'Núñez', 'Dr 王 Wei', 'Ólafur (CNS)']) assert.ok(namesIndividual(name), name);
    for (const team of ['Breast team – CNS', 'MDT · Oncology', 'Lead CNS’s team']) assert.ok(!namesIndividual(team), team);
  });
});

describe('rules: one test per code', () => {
  it('UNKNOWN_TEMPLATE: a plan from another template or version, and nothing else is checked', () => {
    const plan = { ...planOf(good()), template: { id: 'naome-2025', version: 2 } };
    const f = only(checkPlan(plan, ctx), 'UNKNOWN_TEMPLATE');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /"naome-2025" version 2/);
    const result = validatePlan(plan, ctx, null);
    assert.equal(result.valid, false);
    assert.equal(result.template, null);
  });

  it('OFFICIAL_TEXT_CHANGED: names the cell of changed or deleted official text, ignores re-wrapped lines', () => {
    const rec2 = layout.recommendations[1]!;
    const rec4 = layout.official.find((o) => o.recommendation === 4 && o.kind === 'text')!;
    const findings = checkPlan(planOf(good(), {
      [rec2.textCell]: 'Examine rates of CDK4/6 use.',
      [rec2.suggestedCell]: null,
      [rec4.cell]: rec4.text.replace(/\n/g, '  \n ').replace(/ by:/, '   by:'), // whitespace only: not a change
    }), ctx);
    assert.deepEqual(codes(findings), ['OFFICIAL_TEXT_CHANGED', 'OFFICIAL_TEXT_CHANGED']);
    assertWhere(findings[0]!, rec2.textCell, 2, 'recommendationText');
    assert.match(findings[0]!.message, /"Examine rates of CDK4\/6 use\."/);
    assertWhere(findings[1]!, rec2.suggestedCell, 2, 'suggestedActions');
    assert.match(findings[1]!.message, /deleted/);
  });

  it('ORGANISATION_MISSING: an empty organisation', () => {
    const content = good();
    content.header.organisation = null;
    const f = only(checkPlan(planOf(content), ctx), 'ORGANISATION_MISSING');
    assertWhere(f, 'C5', null, 'organisation');
    assert.equal(validatePlan(planOf(content), ctx).organisation, null);
  });

  it('ORGANISATION_UNKNOWN: a code not on the list, quoted; a near name gets the closest matches suggested', () => {
    const content = good();
    content.header.organisation = 'ZZZ9 – Nowhere Trust';
    const f = only(checkPlan(planOf(content), ctx), 'ORGANISATION_UNKNOWN');
    assertWhere(f, 'C5', null, 'organisation');
    assert.match(f.message, /"ZZZ9 – Nowhere Trust" in C5 is not on the list of NHS organisations: choose/);
    content.header.organisation = 'Leeds Teaching Hospitals';
    const near = only(checkPlan(planOf(content), ctx), 'ORGANISATION_UNKNOWN');
    assert.match(near.message, /"Leeds Teaching Hospitals" in C5 is not on the list of NHS organisations \(did you mean RR8 – Leeds Teaching Hospitals NHS Trust[ ,?]/);
    assert.equal(validatePlan(planOf(content), ctx).organisation, null);
  });

  it('ORGANISATION_AMBIGUOUS: a value that could name two organisations names both, and names neither in the result', () => {
    const content = good();
    content.header.organisation = 'RR8 – Cambridge University Hospitals NHS Foundation Trust';
    const f = only(checkPlan(planOf(content), ctx), 'ORGANISATION_AMBIGUOUS');
    assertWhere(f, 'C5', null, 'organisation');
    assert.match(f.message, /could mean RR8 – Leeds Teaching Hospitals NHS Trust or RGT – Cambridge University Hospitals NHS Foundation Trust/);
    assert.equal(validatePlan(planOf(content), ctx).organisation, null);
  });

  it('LEAD_MISSING: each person field, empty or a placeholder, at its own cell', () => {
    const content = good();
    content.header.auditLead = null;
    content.header.actionPlanLead = 'TBC';
    const findings = checkPlan(planOf(content), ctx);
    assert.deepEqual(codes(findings), ['LEAD_MISSING', 'LEAD_MISSING']);
    assertWhere(findings[0]!, 'C6', null, 'auditLead');
    assertWhere(findings[1]!, 'C7', null, 'actionPlanLead');
    assert.match(findings[1]!.message, /"TBC"/);
  });

  it('LEAD_NOT_NAMED: a lead that is a team or role (a warning); "Dr A Khan" is not', () => {
    const content = good();
    content.header.auditLead = 'Breast team';
    content.header.actionPlanLead = 'Dr A Khan';
    const f = only(checkPlan(planOf(content), ctx), 'LEAD_NOT_NAMED');
    assertWhere(f, 'C6', null, 'auditLead');
    assert.equal(f.severity, 'warning');
  });

  it('RECOMMENDATION_NO_ACTIONS: at the first action cell of the block', () => {
    const content = good();
    content.actions = content.actions.filter((a) => a.recommendation !== 3);
    const f = only(checkPlan(planOf(content), ctx), 'RECOMMENDATION_NO_ACTIONS');
    const rec3 = layout.recommendations[2]!;
    assertWhere(f, `B${rec3.firstActionRow}`, 3, null);
  });

  it('ACTION_FIELD_MISSING: one finding per missing field, at its cell; reason and progress are optional', () => {
    const plan = withFirstAction({ action: null, deadline: null, status: null, priority: null, progress: null });
    // responsible stays; action, deadline, status and priority go.
    const findings = checkPlan(plan, ctx);
    assert.deepEqual(codes(findings), Array(4).fill('ACTION_FIELD_MISSING'));
    assert.deepEqual(findings.map((f) => [f.cell, f.field]), [[`B${R1}`, 'action'], [`D${R1}`, 'deadline'], [`E${R1}`, 'status'], [`F${R1}`, 'priority']]);
    for (const f of findings) assertWhere(f, f.cell!, 1, f.field);
    const noResponsible = only(checkPlan(withFirstAction({ responsible: null }), ctx), 'ACTION_FIELD_MISSING');
    assertWhere(noResponsible, `C${R1}`, 1, 'responsible');
    // A plan sent as JSON (the add-in, the service) may hold "" or spaces where a cell would read as empty.
    const json = planOf(good());
    json.actions[0] = { ...json.actions[0]!, status: '  ' };
    assertWhere(only(checkPlan(json, ctx), 'ACTION_FIELD_MISSING'), `E${R1}`, 1, 'status');
  });

  it('DEADLINE_NOT_DATE: quotes what was found and asks for dd/mm/yyyy; UK text dates are dates', () => {
    const f = only(checkPlan(withFirstAction({ deadline: 'end of Q3' }), ctx), 'DEADLINE_NOT_DATE');
    assertWhere(f, `D${R1}`, 1, 'deadline');
    assert.match(f.message, /"end of Q3" in D22 is not a date.*dd\/mm\/yyyy/);
    const impossible = only(checkPlan(withFirstAction({ deadline: '31/02/2027' }), ctx), 'DEADLINE_NOT_DATE');
    assert.match(impossible.message, /"31\/02\/2027"/);
    assert.deepEqual(checkPlan(withFirstAction({ deadline: '30-09-2026' }), ctx), []);
    // A number typed into the date cell reads as a day of 1900: outside the workbook's own date check.
    const typedNumber = only(checkPlan(withFirstAction({ deadline: 5 }), ctx), 'DEADLINE_NOT_DATE');
    assert.match(typedNumber.message, /D22 reads as 0[45]\/01\/1900, outside 01\/01\/2020–31\/12\/2099/);
  });

  it('STATUS_INVALID: a status outside Key 1, quoted; "2" and "action in progress" are fine', () => {
    const f = only(checkPlan(withFirstAction({ status: '7' }), ctx), 'STATUS_INVALID');
    assertWhere(f, `E${R1}`, 1, 'status');
    assert.match(f.message, /^Status "7" in E22 is not in Key 1: choose 1–5 from the list/);
    only(checkPlan(withFirstAction({ status: 'Done' }), ctx), 'STATUS_INVALID');
    assert.deepEqual(checkPlan(withFirstAction({ status: '2' }), ctx), []);
    assert.deepEqual(checkPlan(withFirstAction({ status: 'action in progress' }), ctx), []);
  });

  it('PRIORITY_INVALID: a priority outside Key 2; "h" and "low" are fine', () => {
    const f = only(checkPlan(withFirstAction({ priority: 'Urgent' }), ctx), 'PRIORITY_INVALID');
    assertWhere(f, `F${R1}`, 1, 'priority');
    assert.match(f.message, /"Urgent" in F22 is not in Key 2: choose High, Medium, Low/);
    assert.deepEqual(checkPlan(withFirstAction({ priority: 'h' }), ctx), []);
    assert.deepEqual(checkPlan(withFirstAction({ priority: 'low' }), ctx), []);
  });

  it('REASON_MISSING: status 4 or 5 with no reason (or only "n/a"), at the reason cell', () => {
    const f4 = only(checkPlan(withFirstAction({ status: '4. No plan to action recommendation (state reason)' }), ctx), 'REASON_MISSING');
    assertWhere(f4, `G${R1}`, 1, 'reason');
    const f5 = only(checkPlan(withFirstAction({ status: '5', reason: 'n/a' }), ctx), 'REASON_MISSING');
    assert.match(f5.message, /Status 5 \("Other \(provide information\)"\) in E22 needs a reason or information in G22, which is "n\/a"/);
    assert.deepEqual(checkPlan(withFirstAction({ status: '5', reason: 'Covered by the regional network plan' }), ctx), []);
  });

  it('ACTION_VAGUE: placeholders and fewer than 4 words; a terse but real action is fine', () => {
    for (const vague of ['TBC', 'n/a', 'tbd', '-', '?', 'ongoing', 'Review data', 'Audit MDT listing']) {
      const f = only(checkPlan(withFirstAction({ action: vague }), ctx), 'ACTION_VAGUE');
      assertWhere(f, `B${R1}`, 1, 'action');
      assert.equal(f.severity, 'warning');
    }
    assert.deepEqual(checkPlan(withFirstAction({ action: 'Audit MDT listing quarterly' }), ctx), []);
  });

  it('ACTION_VAGUE: words are whole runs of letters or digits in any script, however they are separated', () => {
    for (const vague of ['Audit — MDT — listing', 'Café naïve 数据', 'Audit/MDT/listing2026', '   Audit, MDT;  listing.  ', 'x'.repeat(30)]) {
      only(checkPlan(withFirstAction({ action: vague }), ctx), 'ACTION_VAGUE');
    }
    for (const enough of ['Audit/MDT/listing/2026', 'Café naïve 数据 ok', '1 2 3 4', '— Audit, MDT; listing. Quarterly —', `Audit MDT listing quarterly ${'and more '.repeat(2000)}`]) {
      assert.deepEqual(codes(checkPlan(withFirstAction({ action: enough }), ctx)), [], enough.slice(0, 40));
    }
  });

  it('RESPONSIBLE_NOT_NAMED: TBC or a team or role alone; a name with a role is fine', () => {
    for (const team of ['TBC', 'Breast team', 'MDT', 'Oncology', 'All', 'Consultants']) {
      const f = only(checkPlan(withFirstAction({ responsible: team }), ctx), 'RESPONSIBLE_NOT_NAMED');
      assertWhere(f, `C${R1}`, 1, 'responsible');
      assert.ok(f.message.includes(`"${team}"`), f.message);
    }
    for (const named of ['Dr A Khan', 'Dr J Smith', 'Jane Smith (CNS)', 'Breast team (lead: Dr A Khan)'])
      assert.deepEqual(checkPlan(withFirstAction({ responsible: named }), ctx), [], named);
  });

  it('DEADLINE_PASSED: a past deadline unless the status is 3; today itself has not passed', () => {
    const f = only(checkPlan(withFirstAction({ deadline: day(-1) }), ctx), 'DEADLINE_PASSED');
    assertWhere(f, `D${R1}`, 1, 'deadline');
    assert.match(f.message, /14\/06\/2026 in D22 has passed but the status is "2\. Action in progress"/);
    only(checkPlan(withFirstAction({ deadline: day(-400), status: '1' }), ctx), 'DEADLINE_PASSED');
    assert.deepEqual(checkPlan(withFirstAction({ deadline: day(0) }), ctx), []);
    assert.deepEqual(checkPlan(withFirstAction({ deadline: day(-1), status: '3', progress: 'Completed in May' }), ctx), []);
  });

  it('DEADLINE_FAR_AHEAD: more than 3 years ahead; exactly 3 years is fine', () => {
    const f = only(checkPlan(withFirstAction({ deadline: '16/06/2029' }), ctx), 'DEADLINE_FAR_AHEAD');
    assertWhere(f, `D${R1}`, 1, 'deadline');
    assert.match(f.message, /16\/06\/2029/);
    assert.deepEqual(checkPlan(withFirstAction({ deadline: '15/06/2029' }), ctx), []);
  });

  it('EVIDENCE_MISSING: status 3 with no progress or evidence, at the progress cell', () => {
    const f = only(checkPlan(withFirstAction({ status: '3', progress: null }), ctx), 'EVIDENCE_MISSING');
    assertWhere(f, `H${R1}`, 1, 'progress');
    only(checkPlan(withFirstAction({ status: 'Action fully implemented', progress: 'TBC' }), ctx), 'EVIDENCE_MISSING');
  });

  it('SEVERAL_ACTIONS_IN_ROW: a list of actions, or several deadlines, statuses or priorities, get one finding for the row', () => {
    const list = only(checkPlan(withFirstAction({ action: 'Actions agreed at MDT:\n1. Audit listing of new cases\n2. Add COSD step to proforma\n3. Report to the board' }), ctx), 'SEVERAL_ACTIONS_IN_ROW');
    assertWhere(list, `B${R1}`, 1, 'action');
    assert.match(list.message, /^Row 22 \(recommendation 1\) holds several actions in one row: the action in B22 is a list of 3\. Put one action per row/);
    for (const bullets of ['• Audit listing of new cases\n• Train the MDT coordinators', '- Audit listing of new cases\n- Train the MDT coordinators', 'a) Audit listing of new cases\nb) Train the MDT coordinators'])
      only(checkPlan(withFirstAction({ action: bullets }), ctx), 'SEVERAL_ACTIONS_IN_ROW');
    // Several statuses: one finding at the status cell, not STATUS_INVALID as well.
    const statuses = only(checkPlan(withFirstAction({ status: '2. Action in progress\n3. Action fully implemented', progress: 'Half done' }), ctx), 'SEVERAL_ACTIONS_IN_ROW');
    assertWhere(statuses, `E${R1}`, 1, 'status');
    assert.match(statuses.message, /the status in E22 names 2 statuses \(2 and 3\)/);
    only(checkPlan(withFirstAction({ status: '2/3' }), ctx), 'SEVERAL_ACTIONS_IN_ROW');
    // Everything crammed at once is still one finding, at the first cell, naming each.
    const all = only(checkPlan(withFirstAction({
      action: '1. Audit listing of new cases\n2. Train the MDT coordinators', deadline: '31/12/2026\n31/03/2027', status: '2\n1', priority: 'High\nLow',
    }), ctx), 'SEVERAL_ACTIONS_IN_ROW');
    assertWhere(all, `B${R1}`, 1, 'action');
    assert.match(all.message, /B22 is a list of 2, the deadline in D22 holds 2 dates, the status in E22 names 2 statuses \(2 and 1\), the priority in F22 names 2 priorities \(High and Low\)/);
    // One action written over two lines, or with a date in its text, is one action.
    assert.deepEqual(checkPlan(withFirstAction({ action: 'Audit MDT listing of all new MBC patients\nquarterly, reporting to the board' }), ctx), []);
    assert.deepEqual(checkPlan(withFirstAction({ action: 'Audit MDT listing:\n- every new MBC patient, quarterly' }), ctx), []);
  });

  it('NHS_NUMBER: a valid NHS number in any free-text cell is an error at that cell; the number is never repeated', () => {
    const number = '943 476 5919'; // the NHS's published example, valid under Modulus 11
    const digits = /943|476|5919/;
    for (const field of ['action', 'responsible', 'reason', 'progress'] as const) {
      const text = `Discussed the case of ${number} at MDT and agreed the new referral route`;
      const findings = checkPlan(withFirstAction({ [field]: text }), ctx);
      const f = only(findings.filter((x) => x.code === 'NHS_NUMBER'), 'NHS_NUMBER');
      assert.equal(f.field, field);
      assert.equal(f.cell, `${{ action: 'B', responsible: 'C', reason: 'G', progress: 'H' }[field]}${R1}`);
      assert.match(f.message, /holds what looks like an NHS number .*must not hold patient identifiers/);
      for (const x of findings) assert.doesNotMatch(x.message, digits, x.message);
    }
    for (const field of ['auditLead', 'actionPlanLead'] as const) {
      const content = good();
      content.header[field] = `Dr Priya Patel 943-476-5919`;
      const f = only(checkPlan(planOf(content), ctx), 'NHS_NUMBER');
      assertWhere(f, field === 'auditLead' ? 'C6' : 'C7', null, field);
    }
    // Messages that quote a value mask the number: here the action is also too vague.
    const vague = checkPlan(withFirstAction({ action: '9434765919' }), ctx);
    assert.deepEqual(codes(vague), ['NHS_NUMBER', 'ACTION_VAGUE']);
    assert.match(vague[1]!.message, /"\[NHS number\]"/);
    for (const f of vague) assert.doesNotMatch(f.message, digits);
    // A wrong check digit, or a number of another shape, is not an NHS number.
    assert.deepEqual(checkPlan(withFirstAction({ progress: 'Ref 943 476 5918 in the risk register' }), ctx), []);
    assert.deepEqual(checkPlan(withFirstAction({ progress: 'Call 01223 245151 to book' }), ctx), []);
  });

  it('MORE_ACTION_NO_RECOMMENDATION: a "More actions" row whose recommendation number is missing or not a recommendation', () => {
    const plan = withFirstAction({});
    const row = { ...plan.actions[0]!, recommendation: 0, row: 4, sheet: 'More actions', recommendationText: '9' };
    const f = only(checkPlan({ ...plan, actions: [...plan.actions, row] }, ctx), 'MORE_ACTION_NO_RECOMMENDATION');
    assert.equal(f.sheet, 'More actions');
    assert.equal(f.cell, 'A4');
    assert.match(f.message, /reads "9"/);
  });

  it('every plan code has a test above (this list is the checklist)', () => {
    // Tested in test/locate.test.ts, on workbooks LibreOffice and openpyxl changed: TEMPLATE_MARK_MISSING,
    // FORMULA_NOT_CALCULATED, FORMULA_IN_INPUT, DEADLINE_MOVES_DAILY. In test/plan-schema.test.ts: CELL_TOO_LONG; in
    // test/more-actions.test.ts: ACTION_OUTSIDE_PLAN_ROWS.
    // In test/upgrade.test.ts (carrying a plan into a newer template, not a rule): NOT_CARRIED.
    const tested = ['OFFICIAL_TEXT_CHANGED', 'ORGANISATION_MISSING', 'ORGANISATION_UNKNOWN', 'ORGANISATION_AMBIGUOUS', 'LEAD_MISSING',
      'LEAD_NOT_NAMED', 'RECOMMENDATION_NO_ACTIONS', 'ACTION_FIELD_MISSING', 'DEADLINE_NOT_DATE', 'STATUS_INVALID', 'PRIORITY_INVALID',
      'REASON_MISSING', 'ACTION_VAGUE', 'RESPONSIBLE_NOT_NAMED', 'DEADLINE_PASSED', 'DEADLINE_FAR_AHEAD', 'EVIDENCE_MISSING',
      'SEVERAL_ACTIONS_IN_ROW', 'NHS_NUMBER', 'MORE_ACTION_NO_RECOMMENDATION', 'TEMPLATE_MARK_MISSING',
      'FORMULA_NOT_CALCULATED', 'FORMULA_IN_INPUT', 'DEADLINE_MOVES_DAILY', 'CELL_TOO_LONG', 'ACTION_OUTSIDE_PLAN_ROWS', 'NOT_CARRIED'];
    assert.deepEqual([...tested].sort(), Object.keys(PLAN_CODES).sort());
  });
});

describe('rules: statuses with no agreed deadline (Key 1 codes 4 and 5)', () => {
  const noPlan = { status: '4. No plan to action recommendation (state reason)', reason: 'Service moves to the regional centre in April' };
  const other = { status: '5', reason: 'Covered by the cancer alliance plan' };

  it('accept a blank deadline, "N/A", "n/a" or "-"', () => {
    for (const status of [noPlan, other]) {
      for (const deadline of [null, 'N/A', 'n/a', '-', 'NA', 'Not applicable'])
        assert.deepEqual(checkPlan(withFirstAction({ ...status, deadline }), ctx), [], `${status.status} ${deadline}`);
    }
  });

  it('still refuse a deadline that is neither a date nor "no deadline", and say it may be left blank', () => {
    const f = only(checkPlan(withFirstAction({ ...noPlan, deadline: 'TBC' }), ctx), 'DEADLINE_NOT_DATE');
    assert.match(f.message, /"TBC" in D22 is not a date: .*or, as status 4 has no agreed deadline, leave it blank/);
  });

  it('are never overdue: no DEADLINE_PASSED, and isOverdue says no', () => {
    for (const status of [noPlan, other]) {
      const plan = withFirstAction({ ...status, deadline: day(-30) });
      assert.deepEqual(checkPlan(plan, ctx), []);
      assert.equal(isOverdue(currentTemplate, plan.actions[0]!, TODAY), false);
    }
    assert.equal(isOverdue(currentTemplate, withFirstAction({ deadline: day(-30) }).actions[0]!, TODAY), true, 'status 2 is');
  });

  it('other statuses still need a deadline, and "N/A" is not one', () => {
    assertWhere(only(checkPlan(withFirstAction({ deadline: null }), ctx), 'ACTION_FIELD_MISSING'), `D${R1}`, 1, 'deadline');
    only(checkPlan(withFirstAction({ deadline: 'N/A' }), ctx), 'DEADLINE_NOT_DATE');
  });

  it('a number typed into a date cell is never overdue: it is no deadline at all', () => {
    const plan = withFirstAction({ deadline: 2027 }); // Excel shows 19/07/1905
    assert.equal(plan.actions[0]!.deadline, '1905-07-19');
    assert.deepEqual(codes(checkPlan(plan, ctx)), ['DEADLINE_NOT_DATE']);
    assert.equal(isOverdue(currentTemplate, plan.actions[0]!, TODAY), false);
  });
});

describe('rules: order and result', () => {
  it('lists findings in sheet order: header, then rows top to bottom, columns left to right', () => {
    const content = good();
    content.header.actionPlanLead = null;
    content.actions[0]!.priority = 'Urgent';
    content.actions[0]!.action = 'TBC';
    content.actions[2]!.status = '9'; // recommendation 2
    content.actions[0]!.deadline = 'soon';
    const findings = checkPlan(planOf(content), ctx);
    assert.deepEqual(findings.map((f) => f.cell), ['C7', `B${R1}`, `D${R1}`, `F${R1}`, `E${R2}`]);
    const result = validatePlan(planOf(content), ctx, 'x.xlsx');
    assert.equal(result.valid, false);
    assert.equal(result.organisation?.code, 'RGT');
  });

  it('warnings alone leave a plan valid', () => {
    const result = validatePlan(withFirstAction({ action: 'TBC' }), ctx);
    assert.equal(result.valid, true);
    assert.deepEqual(codes(result.findings), ['ACTION_VAGUE']);
  });
});
