// docs/findings.md and the catalogue of codes in shared/findings.ts stay in step: every code documented once, with its
// severity, a meaning, an example message and what to do; no code documented that does not exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALL_CODES } from '../shared/findings';

const doc = readFileSync(new URL('../docs/findings.md', import.meta.url), 'utf8');

/** Each "### CODE" section of the document, by code. */
function sections(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const parts = doc.split(/^### /m).slice(1);
  for (const part of parts) {
    const [heading, ...body] = part.split('\n');
    const code = heading!.trim();
    assert.ok(!out.has(code), `${code} is documented twice`);
    out.set(code, body.join('\n').split(/^## /m)[0]!.split('\n'));
  }
  return out;
}

describe('docs/findings.md', () => {
  const documented = sections();

  it('documents every code in the catalogue', () => {
    const missing = Object.keys(ALL_CODES).filter((c) => !documented.has(c));
    assert.deepEqual(missing, [], `codes with no section in docs/findings.md: ${missing.join(', ')}`);
  });

  it('documents no code that is not in the catalogue', () => {
    const unknown = [...documented.keys()].filter((c) => !(c in ALL_CODES));
    assert.deepEqual(unknown, [], `sections for unknown codes: ${unknown.join(', ')}`);
  });

  it('gives each code its true severity, a meaning, an example message and what to do', () => {
    for (const [code, lines] of documented) {
      const field = (name: string) => lines.find((l) => l.startsWith(`- **${name}:**`))?.replace(`- **${name}:**`, '').trim();
      assert.equal(field('Severity'), ALL_CODES[code as keyof typeof ALL_CODES], `${code}: severity`);
      for (const name of ['Means', 'Example', 'What to do']) assert.ok(field(name), `${code}: no "${name}"`);
    }
  });
});
