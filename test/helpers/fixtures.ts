// Where the outside material the tests read lives: carried in the repository (test/fixtures/), with its licence and
// provenance, so `npm ci && npm test` passes on a clone with nothing beside it.
import { fileURLToPath } from 'node:url';

/** 93 real spreadsheets from the SheetJS test_files collection (Apache-2.0; test/fixtures/corpus/README.md). */
export const CORPUS = fileURLToPath(new URL('../fixtures/corpus/sheetjs-test-files/', import.meta.url));

/** Microsoft's Office add-in manifest schemas, imports made local (test/fixtures/office-manifest-xsd/README.md). */
export const MANIFEST_XSD = fileURLToPath(new URL('../fixtures/office-manifest-xsd/OfficeAppManifestV1_1.xsd', import.meta.url));
