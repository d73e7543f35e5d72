// manifest.xml: valid against the Office add-in manifest schemas (xmllint, offline), the committed file is exactly what
// `naome manifest` generates for the default address, and every URL it names is answered by the running service.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BASE_URL, manifestXml } from '../addin/manifest';
import { main } from '../cli/main';
import { MANIFEST_XSD } from './helpers/fixtures';
import { startTestServer, type TestServer } from './helpers/server';

const root = fileURLToPath(new URL('..', import.meta.url));
const xmllint = (file: string) => spawnSync('xmllint', ['--noout', '--schema', MANIFEST_XSD, file], { encoding: 'utf8' });
const urlsIn = (xml: string) => [...new Set([...xml.matchAll(/"(https?:\/\/[^"]+)"/g)].map((m) => m[1]!))]
  .filter((u) => !u.startsWith('http://schemas.microsoft.com/') && !u.startsWith('http://www.w3.org/'));

describe('add-in manifest', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'naome-manifest-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('manifest.xml is valid against the OfficeApp 1.1 schema (xmllint)', () => {
    const r = xmllint(join(root, 'manifest.xml'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /validates/);
  });

  it('a manifest that breaks the schema is refused by the same check (so the check is real)', () => {
    const broken = join(dir, 'broken.xml');
    writeFileSync(broken, manifestXml().replace('<Permissions>ReadWriteDocument</Permissions>', '<Permissions>Everything</Permissions>'));
    assert.notEqual(xmllint(broken).status, 0);
  });

  it('the committed manifest.xml is the generator\'s output for the default address', () => {
    assert.equal(readFileSync(join(root, 'manifest.xml'), 'utf8'), manifestXml(DEFAULT_BASE_URL));
  });

  it('declares an Excel task pane with document access, the Home-tab button and ExcelApi 1.8', () => {
    const xml = manifestXml();
    assert.match(xml, /xsi:type="TaskPaneApp"/);
    assert.match(xml, /<Host Name="Workbook"\/>/);
    assert.match(xml, /<Permissions>ReadWriteDocument<\/Permissions>/);
    assert.match(xml, /<Set Name="ExcelApi" MinVersion="1.8"\/>/);
    assert.match(xml, /<OfficeTab id="TabHome">[\s\S]*<Action xsi:type="ShowTaskpane">/);
    assert.ok(urlsIn(xml).every((u) => u.startsWith(`${DEFAULT_BASE_URL}/`)), urlsIn(xml).join('\n'));
  });

  it('naome manifest --base-url writes a valid manifest for a deployment, and refuses a non-https address', async () => {
    const out = join(dir, 'manifest.xml');
    const said: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => { said.push(a.join(' ')); };
    let [ok, bad]: number[] = [];
    try {
      ok = await main(['manifest', '--base-url', 'https://naome.example.nhs.uk/', '-o', out]);
      bad = await main(['manifest', '--base-url', 'http://naome.example.nhs.uk']);
    } finally {
      console.error = error;
    }
    assert.equal(ok, 0);
    const xml = readFileSync(out, 'utf8');
    assert.equal(xml, manifestXml('https://naome.example.nhs.uk'));
    assert.ok(urlsIn(xml).every((u) => u.startsWith('https://naome.example.nhs.uk/')));
    assert.equal(xmllint(out).status, 0);
    assert.equal(bad, 2);
    assert.match(said.join('\n'), /not an https address: Office loads add-ins only over HTTPS/);
  });

  describe('against the running service', () => {
    let server: TestServer;
    before(async () => {
      if (!existsSync(join(root, 'dist', 'addin', 'taskpane.js'))) execFileSync(process.execPath, [join(root, 'addin', 'build.js')], { stdio: 'ignore' });
      server = await startTestServer();
    });
    after(async () => server?.close());

    it('every URL in the manifest is answered 200', async () => {
      // The test server speaks plain HTTP on a free port: the manifest's origin is swapped for it, paths kept.
      const urls = urlsIn(readFileSync(join(root, 'manifest.xml'), 'utf8'));
      assert.ok(urls.length >= 6);
      for (const u of urls) {
        const res = await fetch(u.replace(DEFAULT_BASE_URL, server.url));
        assert.equal(res.status, 200, u);
        if (u.endsWith('.png')) assert.equal(res.headers.get('content-type'), 'image/png', u);
      }
    });
  });
});
