// The organisations that can return a plan (ODS code, name, nation, region), parsed from CSV with no Node API,
// so the add-in, the service and the command line read the list the same way.
export interface Organisation {
  code: string;
  name: string;
  nation: string;
  region: string;
}

/** How an organisation appears in the workbook's dropdown: code first, so the code can be read back. */
export function organisationLabel(o: Organisation): string {
  return `${o.code} – ${o.name}`;
}

/** The ODS code at the start of a dropdown value or of a typed code ("RXX", "rxx – Name", "RXX - Name"). */
export function organisationCodeOf(value: string): string {
  return value.trim().split(/[\s–—-]/)[0]!.toUpperCase();
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
 * Parses an organisations CSV with the columns ods_code, name, nation, nhs_england_region (any order; region optional).
 * Throws an error naming the line and what is wrong.
 */
export function parseOrganisationsCsv(csv: string): Organisation[] {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('The organisations CSV is empty.');
  const head = parseCsvLine(lines[0]!).map((h) => h.trim().toLowerCase());
  const col = (name: string) => head.indexOf(name);
  const [ci, ni, nati, ri] = [col('ods_code'), col('name'), col('nation'), col('nhs_england_region')];
  if (ci < 0 || ni < 0 || nati < 0) {
    throw new Error('The organisations CSV needs a header line with the columns ods_code, name, nation (and optionally nhs_england_region).');
  }
  const seen = new Set<string>();
  return lines.slice(1).map((line, i) => {
    const f = parseCsvLine(line);
    const code = (f[ci] ?? '').trim().toUpperCase();
    const name = (f[ni] ?? '').trim();
    if (!/^[A-Z0-9]{3,5}$/.test(code)) throw new Error(`Organisations CSV line ${i + 2}: "${code}" is not an ODS code (3 to 5 letters and digits).`);
    if (!name) throw new Error(`Organisations CSV line ${i + 2}: the name is empty.`);
    if (seen.has(code)) throw new Error(`Organisations CSV line ${i + 2}: ${code} appears twice.`);
    seen.add(code);
    return { code, name, nation: (f[nati] ?? '').trim(), region: ri >= 0 ? (f[ri] ?? '').trim() : '' };
  });
}
