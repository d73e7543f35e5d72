// Everything the command line prints goes through here: cell values and file names come from files people send,
// so control and bidirectional-formatting characters in them are shown as codes (ESC as \u001b), never acted on by
// the terminal. --json output goes through here too, and stays valid JSON (see escapeControls).
import { escapeControls } from '../shared/unsafeText';

/** Writes text to standard output, escaped for the terminal. */
export function print(text: string): void {
  process.stdout.write(escapeControls(text));
}

// Lines go through console.log / console.error, so a caller running the CLI in-process can still capture them.
/** Writes one line to standard output, escaped for the terminal. */
export function printLine(text: string): void {
  console.log(escapeControls(text));
}

/** Writes one line to standard error, escaped for the terminal. */
export function printError(text: string): void {
  console.error(escapeControls(text));
}
