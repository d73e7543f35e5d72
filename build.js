// Builds everything the product runs, ahead of time (run by `npm ci` through the `prepare` script, and by `npm test`):
// the command line, the service and the check pool's worker into dist/node/ (one esbuild bundle, split so each
// command loads only its own modules: exceljs, express, better-sqlite3 and pino load only in the commands that use
// them), and the add-in's task pane into dist/addin/. The product then runs plain JavaScript: nothing is compiled
// at run time (tsx stays for the tests and the benches, which import the TypeScript sources).
// Usage: node build.js
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddin, zodSlim } from './addin/build.js';

const root = dirname(fileURLToPath(import.meta.url));
export const NODE_OUTDIR = join(root, 'dist', 'node');

/**
 * zod's messages in some fifty languages (0.3 MB that the service would compile at every start): it speaks English,
 * whose messages zod's schema builders import themselves.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => (/[\\/]zod[\\/]/.test(args.importer) ? { path: args.path, namespace: 'zod-no-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-no-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** What the command line's and the workers' builds share. */
const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Packages are bundled too: one file read instead of hundreds of small modules resolved one by one (zod alone
  // is ~100), which is most of a command's start-up. Left to Node: the native better-sqlite3, and exceljs (large,
  // loaded only by the commands that write a workbook); and two that every start of the service would otherwise
  // compile whole: iconv-lite (0.5 MB of encodings, which it loads one by one as a request body needs them) and
  // mime-db (read by Node as JSON, far quicker than as a 150 KB object literal).
  external: ['better-sqlite3', 'exceljs', 'nodemailer', 'iconv-lite', 'mime-db'],
  // Only zod's schema builders (with its English messages), but for the API description (server/http/openapi.ts,
  // loaded on its first request), whose JSON Schema converter needs the whole of zod.
  plugins: [zodSlim(/^(?!.*[\\/]openapi\.ts$)/), zodEnglishOnly],
  // Less to parse at every start; names are kept readable for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * Builds the command line (dist/node/main.js, an ES module split into chunks) and the worker threads' scripts
 * (dist/node/checkWorker.cjs, csvWorker.cjs: one CommonJS file each). A worker whose script is CommonJS is ready in
 * ~37 ms of a quiet machine against ~52 ms for the same code as ES modules, and costs ~25 ms less CPU: it loads no
 * ES module loader, whose own modules Node compiles afresh in every worker.
 */
export async function buildNode(outdir = NODE_OUTDIR) {
  rmSync(outdir, { recursive: true, force: true });
  await Promise.all([
    build({
      ...nodeOptions,
      entryPoints: { main: join(root, 'cli', 'main.ts') },
      outdir,
      // Shared code goes into chunks that a command imports only when it runs (cli/main.ts loads commands lazily).
      splitting: true,
      format: 'esm',
      // Bundled CommonJS packages call require() for Node's own modules: give the ES module output one.
      banner: { js: "import { createRequire as __naomeRequire } from 'node:module'; const require = __naomeRequire(import.meta.url);" },
      chunkNames: 'chunk-[hash]',
    }),
    build({
      ...nodeOptions,
      entryPoints: {
        checkWorker: join(root, 'server', 'xlsx', 'checkWorker.ts'),
        csvWorker: join(root, 'server', 'collate', 'csvWorker.ts'),
      },
      outdir,
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
      // The modules find the project's files from their own address (server/projectFiles.ts): a script's is its file.
      define: { 'import.meta.url': '__naomeUrl' },
      banner: { js: "const __naomeUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildNode();
  const { bytes, gzip } = await buildAddin();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`built dist/node (command line, service, check worker) and dist/addin (taskpane.js ${kb(bytes)}, ${kb(gzip)} gzip) in ${Date.now() - started} ms`);
}
