import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A subcommand's module; its name and one-line summary are listed in cli/main.ts. */
export interface Command {
  /** Full --help text. */
  usage: string;
  /** Returns the exit status. */
  run(args: string[]): Promise<number>;
}

/** node:util parseArgs, with mistakes turned into a UsageError (exit 2 with the usage text). */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Thrown for a misused command line: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Recognised by name, not instanceof: a command module loaded through import() may hold another copy of this class
 * when its caller was loaded by the CommonJS loader (as mocha does with tsx).
 */
export const isUsageError = (err: unknown): err is UsageError => err instanceof Error && err.name === 'UsageError';
