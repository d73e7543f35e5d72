// A zip archive written as a stream, entry after entry, each deflated as its text is produced: the national workbook
// goes out while it is being made, never held whole in memory. Only what .xlsx needs: deflated entries with a data
// descriptor (sizes and CRC after the data), no ZIP64 (an entry or the archive past 4 GB is refused).
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { constants, crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

const MAX_32 = 0xffffffff;
/** Text is gathered into chunks of this many bytes before it is deflated: fewer, larger calls into zlib. */
const CHUNK = 256 * 1024;
/** Fast deflate: the 128 MB Actions sheet of 100,050 actions compresses ~11× at level 1, in a third of level 6's time. */
const LEVEL = 1;
/** 1980-01-01 00:00, the earliest time a zip entry can hold: entries are dated by the archive, not the clock. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface Written { name: Buffer; offset: number; crc: number; compressed: number; size: number }

/**
 * Waits for `event`, but gives up when `stream` fails or closes first (an HTTP client that went away): a write to a
 * closed response never drains, and the collation must stop rather than wait for ever.
 */
async function settle(stream: Writable, event: Promise<unknown>): Promise<void> {
  if (stream.destroyed) throw new Error('the output was closed before the workbook was complete');
  let onClose!: () => void;
  const closed = new Promise<never>((_, reject) => {
    // A stream that finished closes next: that close is no failure (the finish is still on its way to us).
    onClose = () => { if (!stream.writableFinished) reject(new Error('the output was closed before the workbook was complete')); };
    stream.once('close', onClose);
  });
  closed.catch(() => {});
  try {
    await Promise.race([event, closed]);
  } finally {
    stream.off('close', onClose);
  }
}

/**
 * Chunks handed to the deflater and not yet deflated: the next chunk is made while zlib, on libuv's thread pool,
 * deflates these. Waiting for each write's own callback, never for the deflater's queue to empty ('drain'), which
 * left this thread idle for a fifth of a 100,000-action collation.
 */
const IN_FLIGHT = 2;

/** An entry's data: its text deflated as it comes into `sink` (the archive itself, or a spill file), with its CRC and sizes. */
class Deflated {
  crc = 0;
  size = 0;
  compressed = 0;
  private readonly deflate: DeflateRaw;
  /** The chunk being filled, and how many of its bytes are. */
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  /** The writes of chunks not yet deflated, oldest first. */
  private readonly deflating: Array<Promise<void>> = [];

  constructor(private readonly sink: Writable, onBytes: (n: number) => void = () => {}) {
    const deflate = (this.deflate = createDeflateRaw({ level: LEVEL, strategy: constants.Z_DEFAULT_STRATEGY }));
    deflate.on('data', (chunk: Buffer) => {
      this.compressed += chunk.length;
      onBytes(chunk.length);
      // Backpressure: the deflater waits while the sink is full, and text() waits for the deflater.
      if (!sink.write(chunk)) {
        deflate.pause();
        sink.once('drain', () => deflate.resume());
      }
    });
  }

  /** Adds text; resolves at once unless the deflater is behind (or the sink full). */
  async add(s: string): Promise<void> {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: text that might not fit goes into the next chunk.
    if (this.used + s.length * 3 > CHUNK) await this.flush();
    if (s.length * 3 > CHUNK) return this.deflateBytes(Buffer.from(s, 'utf8'));
    // Encoded straight into the chunk: joining the pieces first, then encoding, copied every byte once more.
    this.used += this.chunk.write(s, this.used, 'utf8');
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const bytes = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK); // the last one stays with zlib until it is deflated
    this.used = 0;
    await this.deflateBytes(bytes);
  }

  private async deflateBytes(bytes: Buffer): Promise<void> {
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    if (this.size > MAX_32) throw new Error('zip: an entry larger than 4 GB cannot be written');
    const written = new Promise<void>((resolve, reject) => this.deflate.write(bytes, (err) => (err ? reject(err) : resolve())));
    written.catch(() => {}); // awaited below in turn; an entry given up on must leave no unhandled rejection
    this.deflating.push(written);
    if (this.deflating.length > IN_FLIGHT) await settle(this.sink, this.deflating.shift()!);
  }

  /** The rest of the text, deflated and handed to the sink. */
  async end(): Promise<void> {
    await this.flush();
    this.deflating.length = 0; // the end comes after every write
    const ended = once(this.deflate, 'end');
    this.deflate.end();
    await settle(this.sink, ended);
  }
}

/**
 * An entry written beside the one being streamed (a sheet whose rows come while another sheet's do), deflated into
 * a temporary file of its own; ZipStream.add() copies it into the archive afterwards. Memory does not grow with it.
 */
export class SpilledEntry {
  private constructor(readonly name: string, private readonly dir: string, private readonly file: WriteStream, private readonly data: Deflated) {}

  static async open(name: string): Promise<SpilledEntry> {
    const dir = await mkdtemp(join(tmpdir(), 'naome-zip-'));
    const file = createWriteStream(join(dir, 'entry'));
    const failed = new Promise<never>((_, reject) => file.once('error', reject));
    failed.catch(() => {});
    await Promise.race([once(file, 'open'), failed]);
    return new SpilledEntry(name, dir, file, new Deflated(file));
  }

  /** Adds text to the entry. */
  text(s: string): Promise<void> {
    return this.data.add(s);
  }

  /** Ends the entry's data: its deflated bytes (a file), CRC and sizes. */
  async close(): Promise<{ path: string; crc: number; size: number; compressed: number }> {
    await this.data.end();
    const finished = once(this.file, 'finish');
    this.file.end();
    await settle(this.file, finished);
    const { crc, size, compressed } = this.data;
    return { path: this.file.path as string, crc, size, compressed };
  }

  /** Removes the temporary file (whether or not the entry was copied). */
  async remove(): Promise<void> {
    this.file.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class ZipStream {
  private offset = 0;
  private readonly done: Written[] = [];
  private entry: { name: Buffer; offset: number; data: Deflated } | undefined;

  /** `out` is written with backpressure; a failure of `out` (or its closing early) rejects the write that meets it. */
  constructor(private readonly out: Writable) {}

  /** Starts an entry; write its text with text(), then call end(). */
  async begin(name: string): Promise<void> {
    if (this.entry) throw new Error('zip: the previous entry is not ended');
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.offset;
    await this.put(localHeader(nameBytes));
    this.entry = { name: nameBytes, offset, data: new Deflated(this.out, (n) => { this.offset += n; }) };
  }

  /** Adds text to the entry being written; resolves at once unless the output is full. */
  text(s: string): Promise<void> {
    return this.entry!.data.add(s);
  }

  /** Ends the entry: the rest of its text, then its data descriptor. */
  async end(): Promise<void> {
    const { name, offset, data } = this.entry!;
    await data.end();
    this.entry = undefined;
    await this.ended(name, offset, data);
  }

  /** One whole entry from a string. */
  async file(name: string, text: string): Promise<void> {
    await this.begin(name);
    await this.text(text);
    await this.end();
  }

  /** Copies a spilled entry, closed, into the archive (between entries, like file()); the caller removes it after. */
  async add(spilled: SpilledEntry): Promise<void> {
    if (this.entry) throw new Error('zip: the previous entry is not ended');
    const data = await spilled.close();
    const name = Buffer.from(spilled.name, 'utf8');
    const offset = this.offset;
    await this.put(localHeader(name));
    for await (const chunk of createReadStream(data.path)) await this.put(chunk as Buffer);
    await this.ended(name, offset, data);
  }

  private async ended(name: Buffer, offset: number, data: { crc: number; size: number; compressed: number }): Promise<void> {
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(data.crc >>> 0, 4);
    descriptor.writeUInt32LE(data.compressed, 8);
    descriptor.writeUInt32LE(data.size, 12);
    await this.put(descriptor);
    this.done.push({ name, offset, crc: data.crc >>> 0, compressed: data.compressed, size: data.size });
  }

  /** Writes the central directory and ends the output. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const w of this.done) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4); // made by: 2.0
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(8, 10);
      h.writeUInt16LE(0, 12);
      h.writeUInt16LE(DOS_DATE, 14);
      h.writeUInt32LE(w.crc, 16);
      h.writeUInt32LE(w.compressed, 20);
      h.writeUInt32LE(w.size, 24);
      h.writeUInt16LE(w.name.length, 28);
      // extra, comment, disk, attributes (30..41): zero
      h.writeUInt32LE(w.offset, 42);
      await this.put(Buffer.concat([h, w.name]));
    }
    const size = this.offset - start;
    if (this.offset > MAX_32 || this.done.length > 0xffff) throw new Error('zip: an archive past 4 GB or 65,535 entries cannot be written');
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(this.done.length, 8);
    eocd.writeUInt16LE(this.done.length, 10);
    eocd.writeUInt32LE(size, 12);
    eocd.writeUInt32LE(start, 16);
    await this.put(eocd);
    const finished = once(this.out, 'finish');
    this.out.end();
    await settle(this.out, finished);
  }

  private async put(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (!this.out.write(bytes)) await settle(this.out, once(this.out, 'drain'));
  }
}

/** A local file header: deflated, sizes and CRC in the data descriptor that follows the data. */
function localHeader(name: Buffer): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  header.writeUInt16LE(0x0808, 6); // flags: sizes in a data descriptor (bit 3), UTF-8 name (bit 11)
  header.writeUInt16LE(8, 8); // deflate
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  // CRC and sizes (14..25) stay zero: they follow the data.
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}
