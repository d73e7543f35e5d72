// `naome template`: writes the blank plan workbook, optionally with the organisation already chosen.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, UsageError, type Command } from '../command';
import { printLine } from '../terminal';
import { loadOrganisations } from '../../server/organisations';
import { writePlanWorkbook } from '../../server/xlsx/writePlanWorkbook';
import { currentTemplate, type Template } from '../../shared/template';

/** naome-2025 → naome-action-plan-2025[-RGT].xlsx: the audit, what the file is, the year, the organisation. */
export function defaultFileName(template: Template, org?: string): string {
  const m = template.id.match(/^(.*)-(\d{4})$/);
  const base = m ? `${m[1]}-action-plan-${m[2]}` : `${template.id}-action-plan`;
  return `${base}${org ? `-${org.trim().toUpperCase()}` : ''}.xlsx`;
}

/** A template file given with --template, checked by the template schema (zod, loaded only then). */
export async function readTemplate(path: string): Promise<Template> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the template ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { parseTemplate } = await import('../../shared/templateSchema');
  try {
    return parseTemplate(data);
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const template: Command = {
  usage: [
    'Usage: naome template [-o FILE] [--org ODS_CODE] [--template TEMPLATE.json]',
    '',
    'Writes the structured action-plan workbook for trusts to fill in Excel (desktop or on the web, no add-in needed).',
    '',
    'Options:',
    '  -o, --output FILE     where to write it (default: naome-action-plan-2025.xlsx, or',
    '                        naome-action-plan-2025-<CODE>.xlsx with --org, in the current folder)',
    '      --org ODS_CODE    pre-fill the NHS organisation, e.g. --org RGT (must be in the organisations list)',
    '      --template FILE   a template JSON file for another audit (default: the built-in NAoMe 2025 template)',
    '  -h, --help            show this help',
    '',
    'Exit status: 0 written; 2 wrong usage, unknown organisation code or unreadable template (nothing is written).',
  ].join('\n'),
  async run(args) {
    const { values } = parse(args, {
      output: { type: 'string', short: 'o' },
      org: { type: 'string' },
      template: { type: 'string' },
    });
    if (values.org !== undefined && values.org.trim() === '') throw new UsageError('--org needs an ODS code, e.g. --org RGT.');
    const tpl = values.template ? await readTemplate(values.template) : currentTemplate;
    // Builds the whole workbook before touching the disk, so an unknown code leaves no file behind.
    const bytes = await writePlanWorkbook({ template: tpl, organisations: loadOrganisations(), organisation: values.org });
    const out = resolve(values.output ?? defaultFileName(tpl, values.org));
    try {
      writeFileSync(out, bytes);
    } catch (err) {
      throw new Error(`Cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`);
    }
    printLine(`Wrote ${out} (${tpl.id} version ${tpl.version}${values.org ? `, organisation ${values.org.trim().toUpperCase()}` : ''}, ${Math.round(bytes.length / 1024)} KB).`);
    return 0;
  },
};
