// What a value in a plan may look like and still count: every accepted and every refused spelling of a status, a
// priority and an organisation, in tables (shared/keys.ts, shared/organisations.ts). The rule throughout: forgive what
// only one value could mean, refuse what could mean two or none.
import assert from 'node:assert/strict';
import { priorityLabel, statusCode, statusCodesIn } from '../shared/keys';
import { holdsNhsNumber, maskNhsNumbers, passesModulus11 } from '../shared/nhsNumber';
import { matchOrganisation } from '../shared/organisations';
import { currentTemplate } from '../shared/template';
import { loadOrganisations } from '../server/organisations';

const t = currentTemplate;
const organisations = loadOrganisations();

describe('values: status (Key 1)', () => {
  const accepted: Array<[string, number]> = [
    // the code alone, in any of the ways people write a number in a list
    ['1', 1], ['2', 2], ['3', 3], ['4', 4], ['5', 5], ['2.', 2], ['2)', 2], ['(2)', 2], ['2:', 2], ['2 -', 2], [' 2 ', 2],
    // the dropdown value, however spaced
    ['2. Action in progress', 2], [' 2. Action  in progress ', 2], ['2.Action in progress', 2], ['2 - Action in progress', 2],
    ['2) Action in progress', 2], ['(2) Action in progress', 2], ['2 – Action in progress', 2], ['2: action in progress', 2],
    ['4. No plan to action recommendation (state reason)', 4], ['5. Other (provide information)', 5],
    // the leading code decides when the rest names no other status
    ['2 - started Oct 2026', 2], ['2. In progress', 2], ['2) waiting for the new proforma', 2], ['2. Action in prog', 2],
    ['3 - done, audited in March', 3], ['5 - see the reason column', 5], ['4 - no plan: already compliant', 4],
    ['1 (awaiting the business case)', 1], ['2. Action', 2],
    // the label alone, any case or spacing, with or without its bracketed instruction
    ['Action in progress', 2], ['action in progress', 2], [' ACTION   IN PROGRESS ', 2], ['Action-in-progress', 2],
    ['Awaiting plan of action', 1], ['Action fully implemented', 3], ['No plan to action recommendation (state reason)', 4],
    ['No plan to action recommendation', 4], ['Other (provide information)', 5], ['Other', 5], ['OTHER', 5],
    // short forms that name one status only
    ['In progress', 2], ['in progress', 2], ['Implemented', 3], ['Fully implemented', 3], ['fully  implemented', 3],
    ['Awaiting plan', 1], ['No plan', 4],
  ];
  const refused = [
    '', ' ', '0', '6', '7', '9', '22', '2026', '2.5', '2nd', '2/3', '2 or 3', '2-3', '2, 3', '2 & 3', '2 and 3',
    '2\n3', '(2)(3)',
    // a code and a label (or short form) that disagree
    '3. Action in progress', '1 - in progress', '4 - other', '2 - implemented', '3. Awaiting plan of action', '1. No plan',
    // words that are not the key, or could mean several statuses
    'Done', 'Complete', 'Completed', 'Action', 'Plan', 'Not implemented', 'Partially implemented', 'Not started',
    'Ongoing', 'n/a', 'TBC', 'Yes', 'In progress - nearly done', 'Implemented partially', 'Status 2', 'High',
  ];
  it('accepts every spelling that names one status', () => {
    for (const [value, code] of accepted) assert.equal(statusCode(t, value), code, JSON.stringify(value));
  });
  it('refuses every spelling that names none, or could name two', () => {
    for (const value of refused) assert.equal(statusCode(t, value), null, JSON.stringify(value));
    assert.equal(statusCode(t, null), null);
  });
  it('finds every status in a cell that holds several', () => {
    assert.deepEqual(statusCodesIn(t, '2\n3'), [2, 3]);
    assert.deepEqual(statusCodesIn(t, '2. Action in progress\n3. Action fully implemented'), [2, 3]);
    assert.deepEqual(statusCodesIn(t, '2/3'), [2, 3]);
    assert.deepEqual(statusCodesIn(t, '1 or 2'), [1, 2]);
    assert.deepEqual(statusCodesIn(t, 'In progress; Implemented'), [2, 3]);
    for (const one of ['2', '2 - started Oct 2026, due Dec', '2. Action in progress', '2\n2', 'Done / dusted'])
      assert.ok(statusCodesIn(t, one).length <= 1, one);
  });
});

describe('values: priority (Key 2)', () => {
  const accepted: Array<[string, string]> = [
    ['High', 'High'], ['high', 'High'], ['HIGH ', 'High'], ['H', 'High'], ['h', 'High'], ['Hi', 'High'],
    ['Medium', 'Medium'], ['medium', 'Medium'], ['Med', 'Medium'], ['med.', 'Medium'], ['M', 'Medium'],
    ['Low', 'Low'], ['LOW', 'Low'], ['Lo', 'Low'], ['L', 'Low'],
    // a priority followed by any explanation
    ['High - urgent attention', 'High'], ['High: requires urgent attention (local audit)', 'High'],
    ['Medium – prompt action', 'Medium'], ['Low priority', 'Low'], ['High (urgent)', 'High'],
    ['Medium: requires prompt action (consider local audit)', 'Medium'], ['Med - next quarter', 'Medium'],
  ];
  const refused = [
    '', 'Urgent', 'Moderate', 'Highest', 'Hgh', 'Medium/High', 'High or medium', 'Med-Low', 'Low to medium',
    'Not high', 'N/A', 'TBC', '1', '2', '3', 'Priority', 'High\nLow',
  ];
  it('accepts every spelling that names one priority', () => {
    for (const [value, label] of accepted) assert.equal(priorityLabel(t, value), label, JSON.stringify(value));
  });
  it('refuses every spelling that names none, or could name two', () => {
    for (const value of refused) assert.equal(priorityLabel(t, value), null, JSON.stringify(value));
  });
});

describe('values: organisation', () => {
  const accepted: Array<[string, string]> = [
    // the ODS code
    ['RR8', 'RR8'], ['rr8', 'RR8'], [' RR8 ', 'RR8'], ['7A1', '7A1'], ['7a1', '7A1'],
    // "CODE – Name", as the dropdown writes it, and as people retype it
    ['RR8 – Leeds Teaching Hospitals NHS Trust', 'RR8'], ['RR8 - Leeds Teaching Hospitals NHS Trust', 'RR8'],
    ['rr8 – leeds teaching hospitals nhs trust', 'RR8'], ['RR8 Leeds Teaching Hospitals NHS Trust', 'RR8'],
    ['RR8: Leeds', 'RR8'], ['RR8 – Leeds Teaching Hospitals NHS Foundation Trust', 'RR8'],
    ['7A1 - Betsi Cadwaladr University Local Health Board', '7A1'],
    // the exact list name, in any case or spacing (apostrophes and "&" as people type them)
    ['Leeds Teaching Hospitals NHS Trust', 'RR8'], ['leeds  teaching hospitals nhs trust', 'RR8'],
    ['LEEDS TEACHING HOSPITALS NHS TRUST', 'RR8'], ['Guy’s and St Thomas’ NHS Foundation Trust', 'RJ1'],
    ["Guys & St Thomas' NHS Foundation Trust", 'RJ1'], ['Betsi Cadwaladr University Local Health Board', '7A1'],
    // "Name (CODE)"
    ['Leeds Teaching Hospitals NHS Trust (RR8)', 'RR8'], ['Leeds Teaching Hospitals (rr8)', 'RR8'],
  ];
  it('accepts the code, "CODE – Name", the exact list name and "Name (CODE)"', () => {
    for (const [value, code] of accepted) {
      const m = matchOrganisation(value, organisations);
      assert.equal(m.organisation?.code, code, JSON.stringify(value));
    }
  });

  it('answers for the list it is given: the same value against another list is matched against that list', () => {
    const others = organisations.filter((o) => o.code !== 'RGT');
    assert.equal(matchOrganisation('RGT', organisations).organisation?.code, 'RGT');
    assert.equal(matchOrganisation('RGT', others).organisation, null);
    assert.equal(matchOrganisation('RGT', organisations).organisation?.code, 'RGT');
  });

  it('refuses a value that could mean two organisations, naming both', () => {
    for (const [value, codes] of [
      ['RR8 – Cambridge University Hospitals NHS Foundation Trust', ['RR8', 'RGT']],
      ['RR8 / RGT', ['RR8', 'RGT']],
      ['RR8 RGT', ['RR8', 'RGT']],
      ['Leeds Teaching Hospitals NHS Trust (RGT)', ['RGT', 'RR8']],
    ] as const) {
      const m = matchOrganisation(value, organisations);
      assert.equal(m.organisation, null, value);
      assert.equal(m.ambiguous, true, value);
      assert.deepEqual(m.candidates.map((o) => o.code).sort(), [...codes].sort(), value);
    }
  });

  it('refuses anything else, suggesting the closest names first', () => {
    const suggest = (value: string) => {
      const m = matchOrganisation(value, organisations);
      assert.equal(m.organisation, null, value);
      assert.equal(m.ambiguous, false, value);
      return m.candidates.map((o) => o.code);
    };
    assert.equal(suggest('Leeds Teaching Hospitals')[0], 'RR8');
    assert.equal(suggest('Cambrige University Hospitals')[0], 'RGT');
    assert.equal(suggest('The Royal Marsden')[0], 'RPY');
    assert.ok(suggest('Leeds').includes('RR8'));
    assert.ok(suggest('Leeds').length <= 3);
    // nothing distinctive, or nothing close: no guess at all
    assert.deepEqual(suggest('NHS Trust'), []);
    assert.deepEqual(suggest('ZZZ9 – Nowhere'), []);
    assert.deepEqual(suggest('ZZZ9'), []);
    assert.deepEqual(suggest('TBC'), []);
  });

  it('never reads a word of a list name as a code, so a name cannot be taken for another organisation', () => {
    const codes = new Set(organisations.map((o) => o.code));
    for (const o of organisations) {
      for (const word of o.name.toUpperCase().split(/[^A-Z0-9]+/)) assert.ok(!codes.has(word), `${o.name}: "${word}" is a code`);
      assert.equal(matchOrganisation(o.name, organisations).organisation?.code, o.code, o.name);
      assert.equal(matchOrganisation(`${o.code} – ${o.name}`, organisations).organisation?.code, o.code);
    }
  });

  it('stays cheap on a long value: the similarity is bounded by the value\'s first 100 characters', () => {
    const m = matchOrganisation('Leeds '.repeat(20_000), organisations);
    assert.equal(m.organisation, null);
  });
});

describe('values: NHS numbers (shared/nhsNumber.ts)', () => {
  /** The Modulus 11 check digit of nine digits, written out independently of the product: null when it would be 10. */
  function checkDigit(nine: string): number | null {
    const sum = [...nine].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const c = 11 - (sum % 11);
    return c === 11 ? 0 : c === 10 ? null : c;
  }
  /** A random valid NHS number (10 digits). */
  function randomValid(): string {
    for (;;) {
      const nine = Array.from({ length: 9 }, () => Math.floor(Math.random() * 10)).join('');
      const c = checkDigit(nine);
      if (c !== null) return `${nine}${c}`;
    }
  }

  it('finds a valid NHS number written together, spaced or hyphenated 3-3-4, alone or inside text', () => {
    // 943 476 5919 is the NHS's own published example number.
    for (const text of ['9434765919', '943 476 5919', '943-476-5919', '943476 5919', 'Patient 943 476 5919 was reviewed',
      'see (9434765919).', 'NHS no: 943-476-5919\nfollow up']) {
      assert.ok(holdsNhsNumber(text), text);
      assert.ok(!/9434765919|943 476 5919|943-476-5919|5919/.test(maskNhsNumbers(text)), `masked: ${maskNhsNumbers(text)}`);
    }
    for (let i = 0; i < 200; i++) {
      const n = randomValid();
      assert.ok(holdsNhsNumber(`ref ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`), n);
    }
  });

  it('does not flag a wrong check digit, 10 random digits that fail Modulus 11, or other numbers', () => {
    assert.ok(!holdsNhsNumber('9434765918'), 'wrong check digit');
    assert.ok(!holdsNhsNumber('943 476 5910'), 'wrong check digit, spaced');
    let flagged = 0;
    for (let i = 0; i < 2000; i++) {
      const ten = Array.from({ length: 10 }, () => Math.floor(Math.random() * 10)).join('');
      const valid = checkDigit(ten.slice(0, 9)) === Number(ten[9]);
      assert.equal(holdsNhsNumber(ten), valid, ten);
      assert.equal(passesModulus11(ten), valid, ten);
      if (valid) flagged++;
    }
    assert.ok(flagged < 400, `about 1 in 11 random numbers pass the check, not ${flagged} of 2000`);
    for (const other of ['94347659190', '19434765919', '01223 245151', '0123 456 7890', '2026-12-31', '£1,234,567,890',
      '943 4765 919', 'Audit 20 cases', '', 'No digits at all'])
      assert.ok(!holdsNhsNumber(other), other);
  });
});
