// The NHS.UK frontend (the nhsuk-frontend package) served by the service itself from node_modules — no CDN — under
// /nhsuk/: its stylesheet, its images and the favicon. The stylesheet is read once and adjusted for this service:
// its @font-face rules fetch Frutiger from NHS's CDN, which the strict CSP forbids (font-src 'self') and which may
// not be copied here, so they are dropped and the design's own fallback (Arial) is used; its image URLs point at
// /assets/images/, which here is /nhsuk/images/.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);
/** dist/nhsuk of the installed package. */
export const NHSUK_DIR = join(dirname(require.resolve('nhsuk-frontend/package.json')), 'dist', 'nhsuk');

/** The package's minified stylesheet, fit for this service's CSP and paths. */
export function nhsukStylesheet(): string {
  const file = readdirSync(NHSUK_DIR).find((f) => /^nhsuk-frontend-[\d.]+\.min\.css$/.test(f));
  if (!file) throw new Error(`nhsuk-frontend's stylesheet is missing from ${NHSUK_DIR}: run npm ci`);
  return readFileSync(join(NHSUK_DIR, file), 'utf8')
    .replace(/@font-face\{[^}]*\}/g, '')
    .replace(/\/\*# sourceMappingURL=[^*]*\*\//, '')
    .replaceAll('url(/assets/images/', 'url(/nhsuk/images/');
}

export function nhsukFrontend(): Router {
  const css = nhsukStylesheet();
  const images = join(NHSUK_DIR, 'assets', 'images');
  const router = express.Router();
  router.get('/nhsuk/nhsuk-frontend.css', (_req, res) => {
    res.type('text/css; charset=utf-8').set('Cache-Control', 'public, max-age=3600').send(css);
  });
  router.use('/nhsuk/images', express.static(images, { index: false, maxAge: '1h' }));
  router.get('/favicon.ico', (_req, res) => res.sendFile(join(images, 'favicon.ico'), { maxAge: '1d' }));
  return router;
}
