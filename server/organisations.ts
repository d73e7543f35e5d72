import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOrganisationsCsv, type Organisation } from '../shared/organisations';

/** The organisations list shipped with the product (seeds/organisations.csv, from the NHS ODS data). */
export const DEFAULT_ORGANISATIONS_CSV = fileURLToPath(new URL('../seeds/organisations.csv', import.meta.url));

export function loadOrganisations(path: string = DEFAULT_ORGANISATIONS_CSV): Organisation[] {
  return parseOrganisationsCsv(readFileSync(path, 'utf8'));
}
