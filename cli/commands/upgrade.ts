// `naome upgrade`: carries a plan made on an older template version into the current template, field by field,
// offline: the same carrying (shared/carryPlan.ts) and the same writer (writeFilledPlan) as the service.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { carryPlan } from '../../shared/carryPlan';
import { builtInTemplates, currentTemplate, findTemplate } from '../../shared/template';
import { loadOrganisations } from '../../server/organisations';
import { checkWorkbook } from '../../server/xlsx/checkWorkbook';
import { readLocalFile } from '../../server/xlsx/readLocalFile';
import { writeFilledPlan } from '../../server/xlsx/writePlanWorkbook';
import { parse, UsageError, type Command } from '../command';
import { printError, printLine } from '../terminal';
import { readTemplate } from './template';
import { describe } from './validate';

const usage = `Usage: naome upgrade OLD.xlsx -o NEW.xlsx [--from TEMPLATE.json]...

Carries a returned action plan into the current template (${currentTemplate.id} version ${currentTemplate.version}), field
by field: header fields by name, each action into its recommendation's rows. Anything with no place in the current
template is listed (finding NOT_CARRIED) and left out; nothing else is changed. The plan's errors, if any, come along
for you to correct in the new workbook.

Options:
  -o, --output FILE     where to write the new workbook (required)
      --from FILE       the JSON of the older template the plan was made on, when it is not built in (repeatable)
  -h, --help            show this help

Exit status: 0 written (NOT_CARRIED warnings allowed); 2 wrong usage, or the file cannot be read as a plan
(nothing is written).`;

export const upgrade: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, {
      output: { type: 'string', short: 'o' },
      from: { type: 'string', multiple: true },
    }, true);
    if (positionals.length !== 1) throw new UsageError('give one workbook to upgrade, e.g. naome upgrade old.xlsx -o new.xlsx.');
    if (!values.output) throw new UsageError('say where to write the new workbook: -o NEW.xlsx.');
    const file = positionals[0]!;
    const templates = [...builtInTemplates, ...await Promise.all((values.from ?? []).map(readTemplate))];
    const organisations = loadOrganisations();
    const read = readLocalFile(file);
    if (!read.ok) {
      printError(`naome upgrade: ${read.finding.message}`);
      return 2;
    }
    const { result, plan } = await checkWorkbook(read.bytes, { file, organisations, templates });
    if (!plan || !result.readable) {
      printError(describe(result));
      return 2;
    }
    const from = findTemplate(plan.template.id, plan.template.version, templates)!;
    const carried = carryPlan(plan, from, currentTemplate);
    const bytes = await writeFilledPlan(carried.plan, { organisations, templates });
    const out = resolve(values.output);
    writeFileSync(out, bytes);
    printLine(`${file} (${from.id} version ${from.version}) → ${out} (${currentTemplate.id} version ${currentTemplate.version}): `
      + `${carried.plan.actions.length} actions carried${carried.findings.length ? `, ${carried.findings.length} values not carried:` : ', nothing left out.'}`);
    for (const f of carried.findings) printLine(`  ${f.code}  ${f.message}`);
    return 0;
  },
};
