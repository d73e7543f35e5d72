// office-addin-mock needs only the OfficeApp enum from office-addin-manifest, whose other parts are Node-only: the
// browser bundle of the mock (test/addin-e2e.test.ts) points 'office-addin-manifest' here.
export enum OfficeApp {
  Excel = 'excel',
  OneNote = 'onenote',
  Outlook = 'outlook',
  PowerPoint = 'powerpoint',
  Project = 'project',
  Word = 'word',
}
