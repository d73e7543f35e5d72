// naome manifest: writes the add-in's manifest for a deployment of the service.
import { writeFileSync } from 'node:fs';
import { DEFAULT_BASE_URL, manifestXml, normaliseBaseUrl } from '../../addin/manifest';
import { UsageError, parse, type Command } from '../command';
import { print, printError } from '../terminal';

export const manifest: Command = {
  usage: [
    'Usage: naome manifest [--base-url URL] [-o FILE]',
    '',
    'Writes the Excel add-in manifest (manifest.xml) whose task pane, icons and links are served by the NAoMe service',
    'at URL. Give the manifest to Excel (sideload) or to your Microsoft 365 administrator (docs/addin.md).',
    '',
    'Options:',
    `  --base-url URL     the service's https address (default ${DEFAULT_BASE_URL})`,
    '  -o, --output FILE  write to FILE instead of standard output',
  ].join('\n'),
  async run(args) {
    const { values } = parse(args, { 'base-url': { type: 'string' }, output: { type: 'string', short: 'o' } });
    let base: string;
    try {
      base = normaliseBaseUrl(values['base-url'] ?? DEFAULT_BASE_URL);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const xml = manifestXml(base);
    if (values.output) {
      writeFileSync(values.output, xml);
      printError(`Wrote the add-in manifest for ${base} to ${values.output}.`);
    } else print(xml);
    return 0;
  },
};
