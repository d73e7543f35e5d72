// When V8's optimizing compiler (TurboFan) runs, for the whole process (every thread). Most commands are over in a
// fraction of a second (validating a plan or two), too soon for optimized code to pay back what compiling it costs:
// it is off for a command's first 0.2 s (naome validate one.xlsx: ~40 ms less CPU and wall time, 0.19 -> 0.15 s), then
// on for whatever runs longer. A command that knows early that it has long work ahead turns it on at once
// (optimizeNow). Neither is for --help, which would only pay for loading node:v8.

let later: NodeJS.Timeout | undefined;

export async function optimizeLater(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--no-turbofan');
  later = setTimeout(() => setFlagsFromString('--turbofan'), 200).unref();
}

/**
 * How much bytecode a function runs between V8's looks at whether to optimize it: eight times Node 20's default
 * (66 KB). A batch of plans is checked by a few hundred functions, each run thousands of times; at the default, V8
 * optimizes many of them on thin feedback, drops the code when a later plan takes another path and optimizes them
 * again, on the same two cores that check. Against the build before it (means of interleaved runs on this 2-core
 * machine): collate 200 plans 1.21 -> 1.03 s (CPU 1.93 -> 1.60 s), 2,000 plans 4.25 -> 3.67 s; the outputs are byte
 * for byte the same. V8's own count (--trace-opt, 200 plans, one thread): 138 functions optimized, 15 of them again,
 * ~1.1 s of compiling, before; 42, 2 and ~0.23 s after. Not for the service (optimizeLater): a server's first seconds
 * were quicker with it, but its steady upload p99 slower (16.3 -> 19.7 ms), and it runs for days.
 */
const BATCH_INTERRUPT_BUDGET = 8 * 67_584;

export async function optimizeNow(): Promise<void> {
  clearTimeout(later);
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--turbofan');
  setFlagsFromString(`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`);
}
