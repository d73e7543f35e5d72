#!/usr/bin/env node
// Runs the command line built ahead of time into dist/node/ (by `npm ci` or `npm run build`): plain JavaScript, so
// nothing is compiled at run time.
import { existsSync } from 'node:fs';

const built = new URL('../dist/node/main.js', import.meta.url);
if (!existsSync(built)) {
  console.error('naome: the command line is not built (dist/node/main.js is missing): run npm ci or npm run build in the project folder.');
  process.exit(2);
}
const { main } = await import(built.href);
process.exitCode = await main(process.argv.slice(2));
