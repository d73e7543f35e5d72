// Where a worker thread's script is. From the build: dist/node/NAME.cjs, built JavaScript like the rest (build.js makes
// each worker one CommonJS file). From the TypeScript sources (tests, benches): the worker's module and ours bundled by
// esbuild into one script, packages required from node_modules as usual; loaded natively rather than through tsx's
// loader hooks, a worker starts in a fraction of the time and memory. Bundled once per process, synchronously.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { projectUrl, runningBuilt } from './projectFiles';

const bundled = new Map<string, string>();

/** `name`: the worker's entry in build.js; `source`: its TypeScript module. */
export function workerScript(name: string, source: URL): { script: URL | string; evaluate: boolean } {
  if (runningBuilt) return { script: projectUrl(`dist/node/${name}.cjs`), evaluate: false };
  let script = bundled.get(name);
  if (!script) {
    const entry = fileURLToPath(source);
    // esbuild only where TypeScript is run from source: the built product never loads it.
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', write: false, logLevel: 'silent' });
    // An eval'd worker resolves require() from the working directory: give it one that resolves from the module's folder.
    script = `(function (require, module, exports) {\n${out.outputFiles[0]!.text}\n})(require('node:module').createRequire(${JSON.stringify(entry)}), { exports: {} }, {});`;
    bundled.set(name, script);
  }
  return { script, evaluate: true };
}
