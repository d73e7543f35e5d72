// What a reader zoomed to 400 % or using a finger needs of a page, measured in the page in headless Chromium:
// no sideways scrolling of the page itself (WCAG 1.4.10 Reflow: a table may scroll inside its own box), and every
// target at least 24 by 24 CSS pixels (WCAG 2.5.8 Target Size (Minimum)) — or, as 2.5.8 allows, an undersized target
// far enough from the others that a 24 px circle on it touches no other target; links inline in a sentence are exempt.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** 400 % zoom of a 1280 × 1024 screen, in CSS pixels: what WCAG 1.4.10 asks a page to fit. */
export const ZOOM_400 = { width: 320, height: 256 };

/** The page scrolls sideways, or a target is too small: each problem in words, none when the page is right. */
// Plain JavaScript run in the page (a string, so the test runner's transform adds nothing the page lacks).
const MEASURE = `(() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) problems.push('the page scrolls sideways (' + doc.scrollWidth + ' px content in ' + doc.clientWidth + ' px)');
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + ((el.textContent || '').trim().slice(0, 40) || el.getAttribute('aria-label') || '') + '"';
  const targets = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .map((el) => ({ el, r: el.getBoundingClientRect(), style: getComputedStyle(el) }))
    // Not rendered, or visually hidden until focused (the skip link): not a target now.
    .filter(({ r, style }) => r.width > 1 && r.height > 1 && style.visibility !== 'hidden');
  // A link inline in a sentence: its block holds more text than the link (2.5.8's "inline" exception).
  const inSentence = (el, style) => {
    if (el.tagName !== 'A' || style.display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    return ((block && block.textContent) || '').trim().length > (el.textContent || '').trim().length;
  };
  for (const t of targets) {
    if (t.r.width >= 24 && t.r.height >= 24) continue;
    if (inSentence(t.el, t.style)) continue;
    const cx = t.r.left + t.r.width / 2, cy = t.r.top + t.r.height / 2;
    // The spacing exception: a 24 px circle centred on it meets no other target, nor another undersized one's circle.
    const crowded = targets.find((o) => {
      if (o.el === t.el || o.el.contains(t.el) || t.el.contains(o.el)) return false;
      const nx = Math.max(o.r.left, Math.min(cx, o.r.right)), ny = Math.max(o.r.top, Math.min(cy, o.r.bottom));
      if (Math.hypot(cx - nx, cy - ny) < 12) return true;
      const undersized = o.r.width < 24 || o.r.height < 24;
      return undersized && Math.hypot(cx - (o.r.left + o.r.width / 2), cy - (o.r.top + o.r.height / 2)) < 24;
    });
    if (crowded) problems.push(describe(t.el) + ' is ' + Math.round(t.r.width) + '×' + Math.round(t.r.height) + ' px, under 24×24, and near ' + describe(crowded.el));
  }
  return problems;
})()`;

/** The page scrolls sideways, or a target is too small: each problem in words, none when the page is right. */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(MEASURE) as Promise<string[]>;
}

/** Fails naming each problem unless the page fits its width and every target is big enough. */
export async function expectFitsAndTargets(page: Page, state: string): Promise<void> {
  const problems = await layoutProblems(page);
  assert.deepEqual(problems, [], `${state} at ${page.viewportSize()?.width} px wide`);
}

/** The focused element shows a focus indicator (an outline or the NHS.UK yellow box shadow). */
export async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !/rgba\\(\\d+, \\d+, \\d+, 0\\)|transparent/.test(s.outlineColor);
    return outline || s.boxShadow !== 'none';
  })()`) as Promise<boolean>;
}
