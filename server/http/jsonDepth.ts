// How deeply a JSON text nests, and how many keys its largest object has, scanned byte by byte as the body arrives:
// JSON.parse is recursive and runs on the thread that answers every request, so "[[[[…" must be refused before it is
// parsed; and an object of 150,000 keys (1.7 MB) costs JSON.parse ~0.3 s there, where a plan's largest object has 11.
// Both are refused as soon as the chunk that goes too far arrives, rather than after the whole body is buffered.
import { HttpError } from './errors';

export const tooDeepJson = (maxDepth: number) =>
  new HttpError(400, 'BAD_JSON', `The JSON nests more than ${maxDepth} levels deep; a plan nests 4. Send a plan as the add-in does, or the workbook file itself.`);
export const tooManyKeys = (maxKeys: number) =>
  new HttpError(400, 'BAD_JSON', `The JSON has an object with more than ${maxKeys} keys; a plan's largest object has 11. Send a plan as the add-in does, or the workbook file itself.`);

/** A scan that can be fed a body in chunks (a string may run across chunks, so its state carries over). */
export class JsonDepthScan {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Keys seen in each open object (-1 for an open array), by depth. */
  private readonly keys: Int32Array;
  /** What went too far, once something has (and it stays so). */
  problem: 'depth' | 'keys' | null = null;
  constructor(readonly maxDepth: number, readonly maxKeys = Infinity) {
    this.keys = new Int32Array(maxDepth + 2);
  }

  /** Scans one more chunk; returns false once the text nests past maxDepth or an object passes maxKeys. */
  push(bytes: Uint8Array): boolean {
    if (this.problem) return false;
    let { depth, inString, escaped } = this;
    const { maxDepth, maxKeys, keys } = this;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true; // a backslash escapes the next byte
        else if (b === 0x22) inString = false;
      } else if (b === 0x22) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++depth > maxDepth) { this.problem = 'depth'; return false; }
        keys[depth] = b === 0x7b ? 0 : -1;
      } else if (b === 0x5d || b === 0x7d) depth--;
      // A colon outside a string follows a key of the innermost open object.
      else if (b === 0x3a && depth > 0 && keys[depth]! >= 0 && ++keys[depth]! > maxKeys) { this.problem = 'keys'; return false; }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }

  /** The 400 for what went too far. */
  error(): HttpError {
    return this.problem === 'keys' ? tooManyKeys(this.maxKeys) : tooDeepJson(this.maxDepth);
  }
}

/** Whether a whole JSON text nests at most `max` deep. */
export function jsonDepthWithin(bytes: Uint8Array, max: number): boolean {
  return new JsonDepthScan(max).push(bytes);
}
