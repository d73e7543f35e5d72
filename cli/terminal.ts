// Everything the command line prints goes through here: cell values and file names come from files people send,
// so control and bidirectional-formatting characters in them are shown as codes (ESC as \u001b), never acted on by
// the terminal. --json output goes through here too, and stays valid JSON (see escapeControls).
import { escapeControls } from '../shared/unsafeText';

/** Writes text to standard output, escaped for the terminal. */
export function print(text: string): void {
  process.stdout.write(escapeControls(text));
}

/** Writes one line to standard output. */
export function printLine(text: string): void {
  print(`${text}\n`);
}

/** Writes one line to standard error, escaped for the terminal. */
export function printError(text: string): void {
  process.stderr.write(`${escapeControls(text)}\n`);
}
