// The `naome` command line: one module per subcommand under cli/commands.
import { UsageError, type Command } from './command';
import { template } from './commands/template';
import { validate } from './commands/validate';
import { collate } from './commands/collate';
import { serve } from './commands/serve';
import { keys } from './commands/keys';
import { manifest } from './commands/manifest';

export const commands: Command[] = [template, validate, collate, serve, keys, manifest];

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
    'Run "naome <command> --help" for a command\'s options.',
  ].join('\n');
}

/** Runs the command line; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`naome: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`naome ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`naome ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
