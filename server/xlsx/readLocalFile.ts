// Reads a workbook named on the command line (naome validate, naome collate) as carefully as the service reads an
// upload: only a regular file, refused by its size before a byte is read, and never more than the limit even if it
// grows meanwhile. A FIFO, a device (/dev/zero), a folder named x.xlsx or an unreadable file is a finding, never a
// hang, an unbounded read or a crash. Synchronous: a command reads one small file at a time, and the thread pool's six
// round trips per file (stat, open, stat, read, read, close) cost more CPU than the reading itself (2,000 files: ~0.4 s
// against ~0.2 s), CPU a collation's checking threads need.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { finding, type Finding } from '../../shared/findings';
import { DEFAULT_LIMITS, formatBytes } from './limits';

export type LocalFile = { ok: true; bytes: Buffer; modified: Date } | { ok: false; finding: Finding };

const tooLarge = (file: string, size: number, limit: number) => finding('FILE_TOO_LARGE',
  `The file is ${formatBytes(size)}; files are limited to ${formatBytes(limit)} and an action plan is well under 1 MB. Check that "${file}" is the action plan workbook.`);

const notRegular = (file: string) => finding('FILE_UNREADABLE',
  `"${file}" is not a regular file (it is a device, a pipe or a socket): give the path of an .xlsx workbook.`);

/** The file's bytes and modification time, or the finding that says why it is not read. Never throws. */
export function readLocalFile(file: string, limit: number = DEFAULT_LIMITS.maxBytes): LocalFile {
  try {
    const info = statSync(file);
    if (info.isDirectory()) {
      return refused(finding('FILE_UNREADABLE', `"${file}" is a folder, not a file: name the .xlsx files in it (e.g. "${file}/*.xlsx"), or use "naome collate ${file}".`));
    }
    if (!info.isFile()) return refused(notRegular(file));
    if (info.size > limit) return refused(tooLarge(file, info.size, limit));
    // Non-blocking, so a file swapped for a FIFO since the stat cannot hang the open; checked again on the open file.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) return refused(notRegular(file));
      if (opened.size > limit) return refused(tooLarge(file, opened.size, limit));
      // One byte more than it said is asked for, so a file that grew since is caught rather than cut short.
      const buffer = Buffer.alloc(Math.min(opened.size, limit) + 1);
      let length = 0;
      for (let n = -1; n !== 0 && length < buffer.length; length += n) {
        n = readSync(fd, buffer, length, buffer.length - length, length);
      }
      if (length === buffer.length) {
        return refused(length > limit ? tooLarge(file, length, limit)
          : finding('FILE_UNREADABLE', `"${file}" changed while it was being read: wait until it is saved, then try again.`));
      }
      return { ok: true, bytes: buffer.subarray(0, length), modified: opened.mtime };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const relative = isAbsolute(file) ? '' : ` (the path is relative to ${process.cwd()})`;
      return refused(finding('FILE_NOT_FOUND', `There is no file "${file}": check the name and the folder${relative}.`));
    }
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    return refused(finding('FILE_UNREADABLE', `"${file}" cannot be opened (${why}): check the file's permissions, or copy it somewhere you can read it.`));
  }
}

const refused = (f: Finding): LocalFile => ({ ok: false, finding: f });
