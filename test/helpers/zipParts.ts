// Lists and rewrites the parts of a real .xlsx with Python's zipfile — a zip implementation other than ours — so a
// test can see exactly what a workbook holds, and change or add parts as an attacker editing the zip would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './apps';

export interface ZipEdit {
  /** Part name → text replacements made in that part (it must exist, and each text must be found). */
  replace?: Record<string, Array<[string, string]>>;
  /** Parts to add (or overwrite), stored uncompressed when `stored` lists them. */
  add?: Record<string, Buffer | string>;
  stored?: string[];
}

const SCRIPT = String.raw`
import base64, json, sys, zipfile
spec = json.load(sys.stdin)
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        if info.filename in spec['add']: continue
        data = zin.read(info.filename)
        for old, new in spec['replace'].get(info.filename, []):
            text = data.decode('utf-8')
            if old not in text: sys.exit('not found in %s: %s' % (info.filename, old))
            data = text.replace(old, new).encode('utf-8')
        zout.writestr(info, data)
    for name, b64 in spec['add'].items():
        zout.writestr(name, base64.b64decode(b64), zipfile.ZIP_STORED if name in spec['stored'] else zipfile.ZIP_DEFLATED)
`;

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'naome-zip-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** The workbook with the edits made, as Python's zipfile writes it. */
export function editZip(bytes: Buffer, edit: ZipEdit): Buffer {
  return withTemp((dir) => {
    const [src, dst] = [join(dir, 'in.zip'), join(dir, 'out.zip')];
    writeFileSync(src, bytes);
    const add = Object.fromEntries(Object.entries(edit.add ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    execFileSync(PYTHON, ['-c', SCRIPT, src, dst], { input: JSON.stringify({ replace: edit.replace ?? {}, add, stored: edit.stored ?? [] }), maxBuffer: 1 << 26 });
    return readFileSync(dst);
  });
}

/** The names of the parts in a zip, in its order. */
export function zipPartNames(bytes: Buffer): string[] {
  return withTemp((dir) => {
    const src = join(dir, 'in.zip');
    writeFileSync(src, bytes);
    const out = execFileSync(PYTHON, ['-c', 'import json,sys,zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', src], { encoding: 'utf8' });
    return JSON.parse(out) as string[];
  });
}

/** The text of every part, by name (bytes that are not UTF-8 shown as U+FFFD). */
export function zipTexts(bytes: Buffer): Record<string, string> {
  return withTemp((dir) => {
    const src = join(dir, 'in.zip');
    writeFileSync(src, bytes);
    const script = 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}))';
    return JSON.parse(execFileSync(PYTHON, ['-c', script, src], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, string>;
  });
}

/** The text of one part. */
export const zipPartText = (bytes: Buffer, name: string): string => zipTexts(bytes)[name]!;
