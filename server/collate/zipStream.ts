// A zip archive written as a stream, entry after entry, each deflated as its text is produced: the national workbook
// goes out while it is being made, never held whole in memory. Only what .xlsx needs: deflated entries with a data
// descriptor (sizes and CRC after the data), no ZIP64 (an entry or the archive past 4 GB is refused).
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { constants, crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

const MAX_32 = 0xffffffff;
/** Text is gathered into chunks of this size before it is deflated: fewer, larger calls into zlib. */
const CHUNK = 64 * 1024;
/** Fast deflate: a 60 MB Actions sheet compresses ~8× at level 1 in a third of the time level 6 takes. */
const LEVEL = 1;
/** 1980-01-01 00:00, the earliest time a zip entry can hold: entries are dated by the archive, not the clock. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface Written { name: Buffer; offset: number; crc: number; compressed: number; size: number }

export class ZipStream {
  private offset = 0;
  private readonly done: Written[] = [];
  private entry: { name: Buffer; offset: number; crc: number; size: number; compressed: number; deflate: DeflateRaw; text: string[]; textLength: number } | undefined;

  /** `out` is written with backpressure; a failure of `out` (or its closing early) rejects the write that meets it. */
  constructor(private readonly out: Writable) {}

  /** Starts an entry; write its text with text(), then call end(). */
  async begin(name: string): Promise<void> {
    if (this.entry) throw new Error('zip: the previous entry is not ended');
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    header.writeUInt16LE(0x0808, 6); // flags: sizes in a data descriptor (bit 3), UTF-8 name (bit 11)
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    // CRC and sizes (14..25) stay zero: they follow the data.
    header.writeUInt16LE(nameBytes.length, 26);
    const offset = this.offset;
    await this.put(Buffer.concat([header, nameBytes]));
    const deflate = createDeflateRaw({ level: LEVEL, strategy: constants.Z_DEFAULT_STRATEGY });
    const entry = { name: nameBytes, offset, crc: 0, size: 0, compressed: 0, deflate, text: [] as string[], textLength: 0 };
    deflate.on('data', (chunk: Buffer) => {
      entry.compressed += chunk.length;
      this.offset += chunk.length;
      // Backpressure: the deflater waits while the output is full, and text() waits for the deflater.
      if (!this.out.write(chunk)) {
        deflate.pause();
        this.out.once('drain', () => deflate.resume());
      }
    });
    this.entry = entry;
  }

  /** Adds text to the entry being written; resolves at once unless the output is full. */
  async text(s: string): Promise<void> {
    const e = this.entry!;
    e.text.push(s);
    e.textLength += s.length;
    if (e.textLength >= CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    const e = this.entry!;
    if (e.text.length === 0) return;
    const bytes = Buffer.from(e.text.join(''), 'utf8');
    e.text = [];
    e.textLength = 0;
    e.crc = crc32(bytes, e.crc);
    e.size += bytes.length;
    if (e.size > MAX_32) throw new Error('zip: an entry larger than 4 GB cannot be written');
    if (!e.deflate.write(bytes)) await this.settle(once(e.deflate, 'drain'));
  }

  /** Ends the entry: the rest of its text, then its data descriptor. */
  async end(): Promise<void> {
    await this.flush();
    const e = this.entry!;
    const ended = once(e.deflate, 'end');
    e.deflate.end();
    await this.settle(ended);
    this.entry = undefined;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(e.crc >>> 0, 4);
    descriptor.writeUInt32LE(e.compressed, 8);
    descriptor.writeUInt32LE(e.size, 12);
    await this.put(descriptor);
    this.done.push({ name: e.name, offset: e.offset, crc: e.crc >>> 0, compressed: e.compressed, size: e.size });
  }

  /** One whole entry from a string. */
  async file(name: string, text: string): Promise<void> {
    await this.begin(name);
    await this.text(text);
    await this.end();
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
    await this.settle(finished);
  }

  private async put(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (!this.out.write(bytes)) await this.settle(once(this.out, 'drain'));
  }

  /**
   * Waits for `event`, but gives up when the output fails or closes first (an HTTP client that went away): a write
   * to a closed response never drains, and the collation must stop rather than wait for ever.
   */
  private async settle(event: Promise<unknown>): Promise<void> {
    const out = this.out;
    if (out.destroyed) throw new Error('the output was closed before the workbook was complete');
    let onClose!: () => void;
    const closed = new Promise<never>((_, reject) => {
      // A stream that finished closes next: that close is no failure (the finish is still on its way to us).
      onClose = () => { if (!out.writableFinished) reject(new Error('the output was closed before the workbook was complete')); };
      out.once('close', onClose);
    });
    closed.catch(() => {});
    try {
      await Promise.race([event, closed]);
    } finally {
      out.off('close', onClose);
    }
  }
}
