// Source addresses for load generators. Real traffic comes from many trusts, and the service's fair check queue gives
// each client address only a few places (an attack defence, issue 9), so a generator that sent everything from one
// address would measure that defence, not capacity. Linux routes all of 127/8 to lo, so loopback addresses serve.
export const SOURCES = 64;

/** The i-th request's (or client's) source address, spread over `sources` addresses; 1 means 127.0.0.1 alone. */
export const source = (i: number, sources = SOURCES) => (sources === 1 ? '127.0.0.1' : `127.0.0.${10 + (i % sources)}`);
