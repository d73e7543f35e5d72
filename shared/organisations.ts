// The organisations that can return a plan (ODS code, name, nation, region), parsed from CSV with no Node API,
// so the add-in, the service and the command line read the list the same way; and how a cell names one of them.
import { foldWords as fold } from './cells';
import { escapedChar, firstControl } from './unsafeText';
export interface Organisation {
  code: string;
  name: string;
  nation: string;
  region: string;
  /**
   * Whether it is expected to return a plan this round (only expected organisations count as "not returned"). Absent:
   * expected. Set by the admin, or by an `expected` column of the organisations CSV.
   */
  expected?: boolean;
  /** Where reminders go (e-mail addresses). Absent: not said (a CSV without a `contacts` column keeps the stored ones). */
  contacts?: string[];
}

/** Whether an organisation counts towards "not returned". */
export const isExpected = (o: Organisation): boolean => o.expected !== false;

/** How the CSV's `expected` column may say yes or no. */
const YES = new Set(['yes', 'y', 'true', '1', 'expected']);
const NO = new Set(['no', 'n', 'false', '0', 'not expected']);

/** An e-mail address as reminders accept it: one @, a dot in the domain, no spaces, commas or angle brackets. */
export const EMAIL = /^[^\s@,;<>"]{1,64}@[^\s@,;<>"]+\.[^\s@,;<>".]{2,}$/;
/** At most this many contacts per organisation (a bounded message per reminder). */
export const MAX_CONTACTS = 10;

/**
 * Reads a list of e-mail addresses separated by semicolons, commas, spaces or new lines; throws an error saying which
 * address is wrong. Duplicates are dropped (case-insensitively).
 */
export function parseContacts(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[;,\s]+/)) {
    const address = raw.trim();
    if (!address) continue;
    if (address.length > 254 || !EMAIL.test(address)) throw new Error(`"${address.slice(0, 60)}" is not an e-mail address (like name@nhs.net).`);
    if (!out.some((a) => a.toLowerCase() === address.toLowerCase())) out.push(address);
  }
  if (out.length > MAX_CONTACTS) throw new Error(`${out.length} addresses given; at most ${MAX_CONTACTS} per organisation.`);
  return out;
}

/** How an organisation appears in the workbook's dropdown: code first, so the code can be read back. */
export function organisationLabel(o: Organisation): string {
  return `${o.code} – ${o.name}`;
}

/**
 * What an organisation cell names: one organisation; or none, with the candidates it could mean (`ambiguous`: it
 * names two or more) or the closest names on the list (a suggestion, possibly empty).
 */
export interface OrganisationMatch {
  organisation: Organisation | null;
  ambiguous: boolean;
  candidates: Organisation[];
}

/**
 * Reads an organisation cell the way a person would: the ODS code alone, "CODE – Name" (the dropdown value, or typed
 * with any dash, colon or none), the exact list name in any case or spacing, or "Name (CODE)". Anything that names
 * two organisations (a code and another organisation's name, two codes) is ambiguous; anything else is unknown, with
 * up to three close names suggested.
 */
export function matchOrganisation(value: string, organisations: Organisation[]): OrganisationMatch {
  const index = indexOf(organisations);
  const v = value.trim();
  const none = (candidates: Organisation[], ambiguous = false): OrganisationMatch => ({ organisation: null, ambiguous, candidates });
  const byName = index.byName.get(fold(v));
  if (byName) return { organisation: byName, ambiguous: false, candidates: [] };

  // The code first ("RR8", "RR8 – Name") or last in brackets ("Name (RR8)"); the rest must name no other organisation.
  const first = /^([A-Za-z0-9]{3,5})(?=$|[\s–—:,/(-])(.*)$/s.exec(v);
  const last = /^(.*?)\(\s*([A-Za-z0-9]{3,5})\s*\)$/s.exec(v);
  const code = first && index.byCode.get(first[1]!.toUpperCase()) ? first[1]! : last?.[2];
  const organisation = code ? index.byCode.get(code.toUpperCase()) : undefined;
  if (!organisation) return none(suggestions(v, index));
  const rest = (first && code === first[1] ? first[2]! : last![1]!).slice(0, 300);
  const others = new Set<Organisation>();
  const named = index.byName.get(fold(rest));
  if (named) others.add(named);
  for (const word of rest.toUpperCase().split(/[^A-Z0-9]+/)) {
    const other = index.byCode.get(word);
    if (other) others.add(other);
  }
  others.delete(organisation);
  return others.size ? none([organisation, ...others], true) : { organisation, ambiguous: false, candidates: [] };
}


/** Words most names share: they say nothing about which organisation is meant, so similarity ignores them. */
const COMMON_WORDS = new Set(['nhs', 'trust', 'foundation', 'university', 'hospital', 'hospitals', 'teaching', 'health',
  'local', 'board', 'the', 'and', 'of', 'for', 'ft', 'uhb']);
const distinctive = (s: string) => fold(s).split(' ').filter((w) => w && !COMMON_WORDS.has(w));

/** Letter triples of each word, padded (" le", "lee", "eed", "eds", "ds "): a typo changes only a few. */
function trigrams(words: string[]): Set<string> {
  const out = new Set<string>();
  for (const w of words) {
    const p = ` ${w} `;
    for (let i = 0; i + 3 <= p.length; i++) out.add(p.slice(i, i + 3));
  }
  return out;
}

interface OrganisationIndex {
  byCode: Map<string, Organisation>;
  byName: Map<string, Organisation>;
  organisations: Organisation[];
  /** Each name's letter triples, made for the first suggestion: a cell that names its organisation needs none. */
  grams?: Array<{ organisation: Organisation; grams: Set<string> }>;
}
// Built once per list: the rules, validatePlan and the collator all match against the same list many times.
const indexes = new WeakMap<Organisation[], OrganisationIndex>();
function indexOf(organisations: Organisation[]): OrganisationIndex {
  let index = indexes.get(organisations);
  if (!index) {
    index = {
      byCode: new Map(organisations.map((o) => [o.code, o])),
      byName: new Map(organisations.map((o) => [fold(o.name), o])),
      organisations,
    };
    indexes.set(organisations, index);
  }
  return index;
}

/** Similarity (Dice, 0..1) of two trigram sets. */
function dice(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/** Suggestions are names at least this similar to what was typed, at most this many. */
const SUGGEST_FROM = 0.45;
const SUGGEST_AT_MOST = 3;

/**
 * The closest names on the list to a value, best first: linear in the list, with the value cut to 100 characters,
 * so an untrusted cell costs the same bounded work whatever its length.
 */
function suggestions(value: string, index: OrganisationIndex): Organisation[] {
  const grams = trigrams(distinctive(value.slice(0, 100)));
  if (grams.size === 0) return [];
  index.grams ??= index.organisations.map((o) => ({ organisation: o, grams: trigrams(distinctive(o.name)) }));
  return index.grams
    .map((g) => ({ organisation: g.organisation, score: dice(grams, g.grams) }))
    .filter((s) => s.score >= SUGGEST_FROM)
    .sort((a, b) => b.score - a.score)
    .slice(0, SUGGEST_AT_MOST)
    .map((s) => s.organisation);
}

/** Splits one CSV line into fields (RFC 4180 quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(field); field = ''; }
    else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parses an organisations CSV with the columns ods_code, name, nation, nhs_england_region (any order; region optional),
 * and optionally `expected` (yes/no; blank is yes) and `contacts` (e-mail addresses separated by semicolons): when a
 * column is there its values are set on each organisation; when it is not, `expected` / `contacts` are left undefined
 * (the service then keeps what it holds).
 * Throws an error naming the source (a file name, when given), the line and what is wrong. A control character (or
 * one XML cannot hold) is refused: the names go into every workbook's dropdown, and one such character there makes
 * the workbook unreadable.
 */
export function parseOrganisationsCsv(csv: string, source = 'The organisations CSV'): Organisation[] {
  // Numbered as in the file, blank lines included, so "line 7" is line 7 in any editor.
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/).map((text, i) => ({ text, n: i + 1 })).filter((l) => l.text.trim() !== '');
  const fail = (n: number, what: string) => new Error(`${source}, line ${n}: ${what}`);
  for (const { text, n } of lines) {
    const bad = firstControl(text);
    if (bad) {
      throw fail(n, `character ${bad.index + 1} holds the control character ${escapedChar(bad.char)}, which cannot go into a workbook. `
        + 'Remove it (it is often pasted in by accident) and load the list again.');
    }
  }
  if (lines.length === 0) throw new Error(`${source} is empty.`);
  const head = parseCsvLine(lines[0]!.text).map((h) => h.trim().toLowerCase());
  const col = (name: string) => head.indexOf(name);
  const [ci, ni, nati, ri, ei, ki] = [col('ods_code'), col('name'), col('nation'), col('nhs_england_region'), col('expected'), col('contacts')];
  if (ci < 0 || ni < 0 || nati < 0) {
    throw fail(lines[0]!.n, 'the header needs the columns ods_code, name, nation (and optionally nhs_england_region).');
  }
  const seen = new Set<string>();
  return lines.slice(1).map(({ text, n }) => {
    const f = parseCsvLine(text);
    const code = (f[ci] ?? '').trim().toUpperCase();
    const name = (f[ni] ?? '').trim();
    if (!/^[A-Z0-9]{3,5}$/.test(code)) throw fail(n, `"${code}" is not an ODS code (3 to 5 letters and digits).`);
    if (!name) throw fail(n, 'the name is empty.');
    if (seen.has(code)) throw fail(n, `${code} appears twice.`);
    seen.add(code);
    const o: Organisation = { code, name, nation: (f[nati] ?? '').trim(), region: ri >= 0 ? (f[ri] ?? '').trim() : '' };
    if (ei >= 0) {
      const said = (f[ei] ?? '').trim().toLowerCase();
      if (said !== '' && !YES.has(said) && !NO.has(said)) throw fail(n, `expected is "${said.slice(0, 20)}": write yes or no (blank means yes).`);
      o.expected = !NO.has(said);
    }
    if (ki >= 0) {
      try {
        o.contacts = parseContacts(f[ki] ?? '');
      } catch (err) {
        throw fail(n, `contacts: ${(err as Error).message}`);
      }
    }
    return o;
  });
}
