import { readFileSync } from 'node:fs';
import { parseOrganisationsCsv, type Organisation } from '../shared/organisations';
import { projectFile } from './projectFiles';

/** The organisations list shipped with the product (seeds/organisations.csv, from the NHS ODS data). */
export const DEFAULT_ORGANISATIONS_CSV = projectFile('seeds/organisations.csv');

export function loadOrganisations(path: string = DEFAULT_ORGANISATIONS_CSV): Organisation[] {
  return parseOrganisationsCsv(readFileSync(path, 'utf8'), path);
}
