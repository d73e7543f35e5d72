// A plan's rows repeat its organisation, leads, source and time, and neighbouring rows often share a status or a
// priority: both writers (xlsxStream.ts, csv.ts) make a column's value into its output once while it repeats. One
// value per column is kept, so memory does not grow.
import type { Value } from './tables';

export class LastValues {
  private readonly last: Array<{ value: Value | undefined; made: string }>;

  /** `make` turns a value of column `i` into its output. */
  constructor(columns: number, private readonly make: (v: Value, i: number) => string) {
    this.last = Array.from({ length: columns }, () => ({ value: undefined, made: '' }));
  }

  /** Column `i`'s output for `v`: made again only when `v` is not the value the column had last. */
  get(i: number, v: Value): string {
    const seen = this.last[i]!;
    if (v !== seen.value) {
      seen.value = v;
      seen.made = this.make(v, i);
    }
    return seen.made;
  }
}
