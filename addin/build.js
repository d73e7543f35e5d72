// Builds the task pane into dist/addin/ (served by the service at /addin/): one esbuild bundle of addin/src/taskpane.ts,
// the static pages and style sheet, and the icons. Prints the bundle's size, raw and gzipped.
// Usage: node addin/build.js [--outdir DIR]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ICON_SIZES, iconPng } from './icons.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

/**
 * shared/ imports `z` from 'zod', whose full namespace carries every locale and the JSON-schema tools (~300 KB
 * minified) that the task pane never runs: the bundle gets the schema builders alone, which is all shared/ uses.
 * `only` limits it to the importers it matches (the service's own modules may use the rest of zod).
 */
export const zodSlim = (only = /./) => ({
  name: 'zod-slim',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, (args) => (only.test(args.importer) ? { path: 'zod', namespace: 'zod-slim' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-slim' }, () => ({
      contents: `export * as z from ${JSON.stringify(join(root, 'node_modules', 'zod', 'v4', 'classic', 'schemas.js'))};`,
      loader: 'js',
      resolveDir: root,
    }));
  },
});

/** Builds into outdir; returns the bundle's sizes in bytes. */
export async function buildAddin(outdir = join(root, 'dist', 'addin')) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'taskpane.ts')],
    outfile: join(outdir, 'taskpane.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    // Excel on the web and Microsoft 365 use Edge WebView2 / current browsers.
    target: ['es2020'],
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [zodSlim()],
  });
  for (const f of ['taskpane.html', 'taskpane.css', 'commands.html']) copyFileSync(join(here, 'static', f), join(outdir, f));
  for (const size of ICON_SIZES) writeFileSync(join(outdir, 'assets', `icon-${size}.png`), iconPng(size));
  const js = readFileSync(join(outdir, 'taskpane.js'));
  return { outdir, bytes: js.length, gzip: gzipSync(js, { level: 9 }).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const { outdir, bytes, gzip } = await buildAddin(i > 0 ? resolve(process.argv[i + 1]) : undefined);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`add-in built in ${outdir}: taskpane.js ${kb(bytes)} (${kb(gzip)} gzip)`);
}
