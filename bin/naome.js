#!/usr/bin/env node
// Runs the command line built ahead of time into dist/node/ (by `npm ci` or `npm run build`): plain JavaScript, so
// nothing is compiled at run time.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Most commands are over in a fraction of a second (--help, validating a plan or two), too soon for V8's optimizing
// compiler to pay back what compiling costs: it is off for the first 0.2 s (naome validate one.xlsx: ~120 ms less CPU),
// then on for whatever runs longer (collate, serve, many files), on every thread.
setFlagsFromString('--no-turbofan');
setTimeout(() => setFlagsFromString('--turbofan'), 200).unref();

const built = new URL('../dist/node/main.js', import.meta.url);
if (!existsSync(built)) {
  console.error('naome: the command line is not built (dist/node/main.js is missing): run npm ci or npm run build in the project folder.');
  process.exit(2);
}
const { main } = await import(built.href);
process.exitCode = await main(process.argv.slice(2));
