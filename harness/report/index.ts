/**
 * The reports of a run folder, rebuilt from its TAP and summary alone: junit.xml, evidence.json
 * (TS 103 701-shaped), report.html, report.pdf (Chromium; left out with HIL_NO_PDF=1 or when it
 * cannot start), GitHub annotations under Actions, and MANIFEST.sha256 over everything, last.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toGitHub } from './github.ts';
import { type HarnessInfo, reportHtml } from './html.ts';
import { junitXml } from './junit.ts';
import { labResults } from './lab.ts';
import { writeManifest } from './manifest.ts';
import { type PdfPrinter, startPdfPrinter } from './pdf.ts';
import { readRunFolder } from './run-folder.ts';
import { PROJECT_ROOT } from '../root.ts';

function harnessInfo(): HarnessInfo {
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  let commit = 'unknown (not a git checkout)';
  try {
    commit = execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {}
  return { version, commit };
}

export interface Built {
  files: string[];
  /** What could not be made (the PDF without Chromium), for the person running it. */
  notes: string[];
}

/**
 * `printer`: the PDF printer already starting, given only when the PDF is wanted (a run starts it
 * while its last suites run, so that the PDF does not wait for Chromium); it is closed here.
 */
export async function buildReports(dir: string, env = process.env, printer?: Promise<PdfPrinter>): Promise<Built> {
  const folder = await readRunFolder(dir);
  const files: string[] = [];
  const notes: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(join(dir, name));
  };
  write('junit.xml', junitXml(folder));
  const lab = labResults(folder);
  write(
    'evidence.json',
    `${JSON.stringify({ standard: 'ETSI EN 303 645 V2.1.1', assessment: 'ETSI TS 103 701 V1.1.1 (test case numbers derived)', run: folder.summary.run, results: lab }, null, 2)}\n`,
  );
  const page = reportHtml(folder, lab, harnessInfo());
  write('report.html', page);
  let closing: Promise<void> | undefined;
  if (env.HIL_NO_PDF !== '1') {
    let pdf: PdfPrinter | undefined;
    try {
      pdf = await (printer ?? startPdfPrinter());
      await pdf.print(page, join(dir, 'report.pdf'));
      files.push(join(dir, 'report.pdf'));
    } catch (error) {
      notes.push(`no report.pdf: ${(error as Error).message.split('\n')[0]}`);
    }
    // Chromium closes while the manifest is hashed.
    closing = pdf?.close().catch(() => undefined);
  }
  toGitHub(folder, env);
  files.push(writeManifest(dir));
  await closing;
  return { files, notes };
}
