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

export async function optimizeNow(): Promise<void> {
  clearTimeout(later);
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--turbofan');
}
