// Where an output goes: a file path (opened first, so a bad path fails at once with the system's reason) or a stream
// the caller gives (an HTTP response). Errors of the stream reject instead of crashing the process.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export async function openOutput(target: string | Writable): Promise<{ stream: Writable; failed: Promise<never> }> {
  // A file takes 1 MB before write() says wait (16 KB by default): each wait is a round trip to the thread pool.
  const stream = typeof target === 'string' ? createWriteStream(target, { highWaterMark: 1 << 20 }) : target;
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {}); // observed by the caller's race; never an unhandled rejection
  if (typeof target === 'string') await Promise.race([once(stream, 'open'), failed]);
  return { stream, failed };
}
