// Where the project's own files are (package.json, seeds/, server/pages/, dist/addin/, node_modules/). This module
// runs either from its TypeScript source (server/, under tsx: tests and benches) or bundled into the build
// (dist/node/, one folder deeper: the product), so every path to a project file is worked out here, in one place.
import { fileURLToPath } from 'node:url';

/** True when running from the build (dist/node/*.js and the workers' *.cjs), false from the TypeScript sources. */
export const runningBuilt = !import.meta.url.endsWith('.ts');

const ROOT = new URL(runningBuilt ? '../../' : '../', import.meta.url);

/** The absolute path of a file of the project, given relative to the project's folder (e.g. 'seeds/x.csv'). */
export const projectFile = (path: string): string => fileURLToPath(new URL(path, ROOT));

/** The same, as a file: URL (for new Worker and import()). */
export const projectUrl = (path: string): URL => new URL(path, ROOT);
