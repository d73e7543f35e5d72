// axe-core (the real engine, run inside the page in headless Chromium) against the WCAG 2.2 A and AA rules, for one
// state of a page at a time. Every page test calls expectNoAxeViolations at each state it reaches; the states checked
// are recorded, and a root hook prints how many at the end of the run, so the accessibility statement's claim
// ("every state the tests reach") can be read off the test output.
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/** The WCAG 2.2 A and AA rule sets, as axe-core tags them. */
export const WCAG_22_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface Checked { state: string; url: string; violations: number }
const checked: Checked[] = [];

/** The page states checked so far in this run (by name), with their violation counts. */
export const axeStatesChecked = (): readonly Checked[] => checked;

/** axe-core's WCAG 2.2 A/AA violations on the page as it is now (not recorded: for testing the check itself). */
export async function axeViolations(page: Page): Promise<AxeResults['violations']> {
  return (await new AxeBuilder({ page }).withTags(WCAG_22_AA_TAGS).analyze()).violations;
}

/**
 * Runs axe-core on the page as it is now and fails, listing each violation with its rule, impact and the elements
 * (CSS selectors and HTML) at fault, unless there are none. `state` names what the page shows, e.g. "/ with findings".
 */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  checked.push({ state, url: page.url(), violations: violations.length });
  if (violations.length === 0) return;
  const report = violations.map((v) => [
    `  ${v.id} (${v.impact ?? 'unknown impact'}): ${v.help} — ${v.helpUrl}`,
    ...v.nodes.slice(0, 5).map((n) => `    at ${n.target.join(' ')}: ${n.html.slice(0, 200)}\n      ${n.failureSummary?.replaceAll('\n', '\n      ') ?? ''}`),
    ...(v.nodes.length > 5 ? [`    … and ${v.nodes.length - 5} more`] : []),
  ].join('\n'));
  assert.fail(`axe-core found ${violations.length} WCAG 2.2 AA violation(s) on "${state}" (${page.url()}):\n${report.join('\n')}`);
}

// A root hook (registered once, however many test files import this module): the tally for the whole run.
if (typeof after === 'function') {
  after(() => {
    if (checked.length === 0) return;
    const states = new Set(checked.map((c) => c.state)).size;
    const violations = checked.reduce((n, c) => n + c.violations, 0);
    console.log(`  axe-core: ${states} page states checked (${checked.length} checks), ${violations} violations`);
  });
}
