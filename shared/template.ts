// The audit templates this product knows, as data (shared/templates/*.json, checked by shared/templateSchema.ts).
import type { Template } from './templateSchema';
import naome2025 from './templates/naome-2025.json';

export type { Recommendation, Template } from './templateSchema';

/**
 * The templates this product knows. A returned workbook names its template id and version. The built-in JSON is
 * complete as it stands (every default written out), so it is used as it is; test/template.test.ts proves that the
 * schema accepts it and changes nothing.
 */
export const builtInTemplates: Template[] = [naome2025 as Template];
export const currentTemplate: Template = builtInTemplates[0]!;

export function findTemplate(id: string, version: number, known: Template[] = builtInTemplates): Template | undefined {
  return known.find((t) => t.id === id && t.version === version);
}
