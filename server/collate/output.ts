// Where an output goes: a file path (opened first, so a bad path fails at once with the system's reason) or a stream
// the caller gives (an HTTP response). Errors of the stream reject instead of crashing the process.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export async function openOutput(target: string | Writable): Promise<{ stream: Writable; failed: Promise<never> }> {
  const stream = typeof target === 'string' ? createWriteStream(target) : target;
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {}); // observed by the caller's race; never an unhandled rejection
  if (typeof target === 'string') await Promise.race([once(stream, 'open'), failed]);
  return { stream, failed };
}
