// Changes a workbook's structure the way a person does in LibreOffice Calc — insert or delete rows and columns,
// rename, copy or delete sheets, merge cells — by a Basic macro run in LibreOffice headless, and saves it as .xlsx.
// Many edits of many files go through ONE LibreOffice start (it takes seconds): each job opens a file, applies its
// steps and saves a new file. The macro is installed in a throw-away profile, so parallel runs do not clash.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One structural edit; rows and columns are 1-based and lettered as the user sees them. */
export type Edit =
  | { op: 'unprotect'; sheet: string }
  | { op: 'insertRows'; sheet: string; before: number; count?: number }
  | { op: 'deleteRows'; sheet: string; row: number; count?: number }
  | { op: 'insertColumns'; sheet: string; before: string; count?: number }
  | { op: 'rename'; sheet: string; to: string }
  | { op: 'removeSheet'; sheet: string }
  | { op: 'copySheet'; sheet: string; to: string }
  | { op: 'merge'; sheet: string; range: string }
  | { op: 'text'; sheet: string; cell: string; value: string }
  | { op: 'number'; sheet: string; cell: string; value: number }
  | { op: 'formula'; sheet: string; cell: string; value: string }
  | { op: 'clear'; sheet: string; range: string };

export interface EditJob { input: string; output: string; edits: Edit[] }

const colNumber = (col: string) => [...col].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);

/** A job as tab-separated lines the macro reads (open, steps, save). */
function jobLines(job: EditJob): string[] {
  const lines = [`open\t${job.input}`];
  for (const e of job.edits) {
    switch (e.op) {
      case 'unprotect': lines.push(`unprotect\t${e.sheet}`); break;
      case 'insertRows': lines.push(`insertRows\t${e.sheet}\t${e.before - 1}\t${e.count ?? 1}`); break;
      case 'deleteRows': lines.push(`deleteRows\t${e.sheet}\t${e.row - 1}\t${e.count ?? 1}`); break;
      case 'insertColumns': lines.push(`insertColumns\t${e.sheet}\t${colNumber(e.before) - 1}\t${e.count ?? 1}`); break;
      case 'rename': lines.push(`rename\t${e.sheet}\t${e.to}`); break;
      case 'removeSheet': lines.push(`removeSheet\t${e.sheet}`); break;
      case 'copySheet': lines.push(`copySheet\t${e.sheet}\t${e.to}`); break;
      case 'merge': lines.push(`merge\t${e.sheet}\t${e.range}`); break;
      case 'text': lines.push(`text\t${e.sheet}\t${e.cell}\t${e.value}`); break;
      case 'number': lines.push(`number\t${e.sheet}\t${e.cell}\t${e.value}`); break;
      case 'formula': lines.push(`formula\t${e.sheet}\t${e.cell}\t${e.value}`); break;
      case 'clear': lines.push(`clear\t${e.sheet}\t${e.range}`); break;
    }
  }
  lines.push(`save\t${job.output}`);
  return lines;
}

const MACRO = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Edits" script:language="StarBasic">
Function Prop(n As String, v) As Object
  Dim p As New com.sun.star.beans.PropertyValue
  p.Name = n : p.Value = v
  Prop = p
End Function
Sub Main(jobFile As String)
  Dim doc As Object, sh As Object, line As String, f() As String, n As Integer
  n = FreeFile
  Open jobFile For Input As #n
  Do While Not EOF(n)
    Line Input #n, line
    f = Split(line, Chr(9))
    Select Case f(0)
      Case "open"
        doc = StarDesktop.loadComponentFromURL(ConvertToURL(f(1)), "_blank", 0, Array(Prop("Hidden", True)))
      Case "unprotect"
        doc.Sheets.getByName(f(1)).unprotect("")
      Case "insertRows"
        doc.Sheets.getByName(f(1)).Rows.insertByIndex(CLng(f(2)), CLng(f(3)))
      Case "deleteRows"
        doc.Sheets.getByName(f(1)).Rows.removeByIndex(CLng(f(2)), CLng(f(3)))
      Case "insertColumns"
        doc.Sheets.getByName(f(1)).Columns.insertByIndex(CLng(f(2)), CLng(f(3)))
      Case "rename"
        doc.Sheets.getByName(f(1)).Name = f(2)
      Case "removeSheet"
        doc.Sheets.removeByName(f(1))
      Case "copySheet"
        doc.Sheets.copyByName(f(1), f(2), doc.Sheets.Count)
      Case "merge"
        doc.Sheets.getByName(f(1)).getCellRangeByName(f(2)).merge(True)
      Case "text"
        doc.Sheets.getByName(f(1)).getCellRangeByName(f(2)).String = f(3)
      Case "number"
        doc.Sheets.getByName(f(1)).getCellRangeByName(f(2)).Value = CDbl(f(3))
      Case "formula"
        doc.Sheets.getByName(f(1)).getCellRangeByName(f(2)).Formula = f(3)
      Case "clear"
        doc.Sheets.getByName(f(1)).getCellRangeByName(f(2)).clearContents(1 + 2 + 4 + 16)
      Case "save"
        doc.storeToURL(ConvertToURL(f(1)), Array(Prop("FilterName", "Calc MS Excel 2007 XML")))
        doc.close(True)
    End Select
  Loop
  Close #n
End Sub
</script:module>
`;

/** Runs every job with one LibreOffice start. Throws with LibreOffice's output if an output file is missing. */
export async function editWithLibreOffice(jobs: EditJob[]): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'lo-edit-'));
  try {
    // The first start creates the profile; the macro library goes into it before the second.
    await run('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${profile}`, '--terminate_after_init'], { timeout: 120_000 });
    const basic = join(profile, 'user', 'basic', 'Standard');
    await mkdir(basic, { recursive: true });
    await writeFile(join(basic, 'Edits.xba'), MACRO);
    const xlb = join(basic, 'script.xlb');
    const lib = await readFile(xlb, 'utf8').catch(() => `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
</library:library>`);
    if (!lib.includes('library:name="Edits"')) {
      await writeFile(xlb, lib.replace('</library:library>', ' <library:element library:name="Edits"/>\n</library:library>'));
    }
    const jobFile = join(profile, 'jobs.txt');
    await writeFile(jobFile, jobs.flatMap(jobLines).join('\n') + '\n');
    const out = await run('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${profile}`,
      `macro:///Standard.Edits.Main("${jobFile}")`], { timeout: 300_000 });
    for (const job of jobs) {
      await readFile(job.output).catch(() => { throw new Error(`LibreOffice wrote no ${job.output}: ${out.stdout}${out.stderr}`); });
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
