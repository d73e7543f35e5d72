// The NHS.UK header (with its skip link) and footer that every page shares, written once in server/pages/parts/ and
// put into each page as it is served where the page says <!--#include header --> or <!--#include footer -->: a plain
// server-side include, no template engine. The header takes the link home and the service's name as attributes,
// e.g. <!--#include header home="/admin" service="NAoMe local action plan: national team" -->.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const INCLUDE = /<!--#include (header|footer)((?: [a-z]+="[^"<>]*")*) -->/g;
const DEFAULTS: Record<string, string> = { home: '/', service: 'NAoMe local action plan' };

/** Reads the parts once; returns what turns a page's bytes into the page with its parts put in. */
export function sharedParts(pagesDir: string): (page: Buffer) => Buffer {
  const parts = {
    header: readFileSync(join(pagesDir, 'parts', 'header.html'), 'utf8'),
    footer: readFileSync(join(pagesDir, 'parts', 'footer.html'), 'utf8'),
  };
  return (page) => Buffer.from(page.toString('utf8').replace(INCLUDE, (_all, name: 'header' | 'footer', attrs: string) => {
    const given = Object.fromEntries([...attrs.matchAll(/ ([a-z]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const values = { ...DEFAULTS, ...given };
    return parts[name].replace(/\{\{([a-z]+)\}\}/g, (_m, key: string) => values[key] ?? '');
  }));
}
