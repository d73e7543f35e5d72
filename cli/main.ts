// The `naome` command line: one module per subcommand under cli/commands.
import { version } from '../package.json';
import { isUsageError, type Command } from './command';
import { optimizeLater } from './optimize';
import { printError } from './terminal';

/** Each command's module is loaded only when it runs, so `naome validate` does not pay for the service's start-up. */
export const commands: Array<{ name: string; summary: string; load: () => Promise<Command> }> = [
  { name: 'template', summary: 'write the blank action-plan workbook (.xlsx)', load: async () => (await import('./commands/template')).template },
  { name: 'validate', summary: 'check returned action plans (.xlsx) and list every finding by cell', load: async () => (await import('./commands/validate')).validate },
  { name: 'upgrade', summary: 'carry a plan made on an older template into the current one', load: async () => (await import('./commands/upgrade')).upgrade },
  { name: 'collate', summary: 'gather returned plans into the national workbook (and CSV)', load: async () => (await import('./commands/collate')).collate },
  { name: 'serve', summary: 'run the service (submission page, admin page, API, add-in files)', load: async () => (await import('./commands/serve')).serve },
  { name: 'keys', summary: 'make the admin key, issue or revoke organisation keys', load: async () => (await import('./commands/keys')).keys },
  { name: 'remind', summary: 'send the reminder e-mails the round\'s schedule has due (for cron)', load: async () => (await import('./commands/remind')).remind },
  { name: 'db', summary: 'copy the service\'s data between SQLite and PostgreSQL, checked', load: async () => (await import('./commands/db')).db },
  { name: 'manifest', summary: 'write the Excel add-in manifest for the service at a given address', load: async () => (await import('./commands/manifest')).manifest },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'naome — NAoMe local action plans: make, check, collect and serve them.',
    '',
    'Usage: naome <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "naome <command> --help" for a command\'s options; "naome --version" for the version.',
  ].join('\n');
}

/** Runs the command line; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(version);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    printError(`naome: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  await optimizeLater();
  const { usage, run } = await command.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(usage);
    return 0;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (isUsageError(err)) {
      printError(`naome ${name}: ${err.message}\n\n${usage}`);
      return 2;
    }
    printError(`naome ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
