// An action's status and priority read against the template's keys (shared/keys.ts), remembered per distinct text:
// a national collation reads the same few texts ("2. Action in progress", "High") for every one of 100,000 actions,
// and reading one costs a normalising regex each time. Bounded: free text outside the keys cannot grow it for ever.
import { priorityLabel, statusCode } from '../../shared/keys';
import type { Template } from '../../shared/template';

const MAX_REMEMBERED = 1000;

function remembered<V>(read: (text: string | null) => V): (text: string | null) => V {
  const seen = new Map<string | null, V>();
  return (text) => {
    let v = seen.get(text);
    if (v === undefined && !seen.has(text)) {
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.set(text, (v = read(text)));
    }
    return v as V;
  };
}

export class KeyReader {
  /** The Key 1 code of a status as written, or null outside the key. */
  readonly status: (text: string | null) => number | null;
  /** The Key 2 label of a priority as written, or null outside the key. */
  readonly priority: (text: string | null) => string | null;

  constructor(template: Template) {
    this.status = remembered((text) => statusCode(template, text));
    this.priority = remembered((text) => priorityLabel(template, text));
  }
}
