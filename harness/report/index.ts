/**
 * The reports of a run folder, rebuilt from its TAP and summary alone, with the manufacturer's
 * declarations and the lab's key (pack-inputs.ts): junit.xml, evidence.json (TS 103 701-shaped, every
 * provision's status), report.html, report.pdf (Chromium; left out with HIL_NO_PDF=1 or when it cannot
 * start), GitHub annotations under Actions, the declarations used (declarations.yaml), MANIFEST.sha256
 * over everything, and last its signature. Each step has a deadline: one that fails or misses it is a
 * note, and the steps after it still run.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DECLARATIONS_FILE } from '../config/declarations.ts';
import { withDeadline } from '../util/deadline.ts';
import { PROJECT_ROOT } from '../util/root.ts';
import { certification } from './certification.ts';
import { copyDeclaredDocuments } from './declared-documents.ts';
import { devicesUnderTest } from './devices.ts';
import { toGitHub } from './github.ts';
import { type HarnessInfo, reportHtml } from './html.ts';
import { junitXml } from './junit.ts';
import { loadRunRig } from './ixit.ts';
import { labResults } from './lab.ts';
import { MANIFEST, writeManifest } from './manifest.ts';
import { type PackInputs, packInputs } from './pack-inputs.ts';
import { type PdfPrinter, startPdfPrinter } from './pdf.ts';
import { consoleTails, type RunFolder, readRunFolder } from './run-folder.ts';
import { removeSignature, signManifest, writeSignatureNote } from './signature.ts';

function harnessInfo(): HarnessInfo {
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  let commit = 'unknown (not a git checkout)';
  try {
    commit = execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch {}
  return { version, commit };
}

/** evidence.json's `run`: the summary's, or what is known without it. */
function runRecord(folder: RunFolder): RunFolder['summary']['run'] | Record<string, unknown> {
  if (!folder.summaryUnreadable) return folder.summary.run;
  return {
    id: folder.summary.run.id,
    summaryUnreadable: folder.summaryUnreadable,
    unknown: ['rig', 'rigFile', 'seed', 'started', 'finished', 'complete'],
  };
}

export interface Built {
  files: string[];
  /** What could not be made (the PDF without Chromium, a step past its deadline), for the person running it. */
  notes: string[];
}

export type Step = 'read' | 'junit' | 'evidence' | 'html' | 'pdf' | 'manifest' | 'close';
/** Generous: a step reads tails and streams hashes, so only a stuck disk or browser comes near them. */
export const STEP_DEADLINES_MS: Record<Step, number> = {
  read: 60_000,
  junit: 60_000,
  evidence: 60_000,
  html: 60_000,
  pdf: 120_000,
  manifest: 600_000,
  close: 15_000,
};

export interface ReportOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * The PDF printer already starting, given only when the PDF is wanted (a run starts it while its
   * last suites run, so that the PDF does not wait for Chromium); it is closed here, whatever happens.
   */
  printer?: Promise<PdfPrinter>;
  deadlinesMs?: Partial<Record<Step, number>>;
  /** The key and declarations, read by the caller (so that a bad one stops it first); else found here. */
  pack?: PackInputs;
}

/** The key and declarations the run's rig names, or none and a note for each that cannot be used. */
function packFor(folder: RunFolder, notes: string[]): PackInputs {
  const rigFile = folder.summary.run.rigFile;
  try {
    return packInputs(rigFile ? { file: rigFile, loaded: loadRunRig(rigFile) } : undefined, { runFolder: folder.dir });
  } catch (error) {
    notes.push(`unsigned, and no declarations read: ${(error as Error).message}`);
    return {};
  }
}

export async function buildReports(dir: string, options: ReportOptions = {}): Promise<Built> {
  const env = options.env ?? process.env;
  const deadlines = { ...STEP_DEADLINES_MS, ...options.deadlinesMs };
  const files: string[] = [];
  const notes: string[] = [];
  /** One step: its result, or undefined and a note `no <name>: <why>`. */
  const step = async <T>(name: string, kind: Step, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
    const controller = new AbortController();
    try {
      return await withDeadline(fn(controller.signal), deadlines[kind], 'not made');
    } catch (error) {
      controller.abort();
      notes.push(`no ${name}: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  const write = (name: string, kind: Step, text: () => string) =>
    step(name, kind, async (signal) => {
      await writeFile(join(dir, name), text(), { signal });
      files.push(join(dir, name));
    });

  let printer = options.printer;
  try {
    removeSignature(dir);
    const read = await step('reports', 'read', async () => {
      const folder = await readRunFolder(dir);
      const rig = loadRunRig(folder.summary.run.rigFile);
      const lab = labResults(folder, rig);
      const pack = options.pack ?? packFor(folder, notes);
      const boards = [...new Set(folder.results.map((r) => r.board))];
      return {
        folder,
        tails: await consoleTails(folder),
        lab,
        devices: devicesUnderTest(folder, rig),
        pack,
        cert: certification(boards, lab, pack.declarations, pack.signer),
      };
    });
    const signer = read?.pack.signer;
    if (read) {
      const { folder, tails, lab, devices, pack, cert } = read;
      if (folder.summaryUnreadable)
        notes.push(
          `summary.json unreadable: ${folder.summaryUnreadable}; the reports are built from the TAP files, without the run's rig, seed, start and finish`,
        );
      for (const why of folder.refused) notes.push(`not read: ${why}`);
      const declared = pack.declarations;
      if (declared)
        await step(DECLARATIONS_FILE, 'evidence', async () => {
          // The declarations the report used go with it, unless they are the run folder's own copy already.
          if (declared.path !== resolve(dir, DECLARATIONS_FILE)) {
            copyFileSync(declared.path, join(dir, DECLARATIONS_FILE));
            files.push(join(dir, DECLARATIONS_FILE));
          }
          const { copied, refused } = copyDeclaredDocuments(declared, dir);
          files.push(...copied);
          for (const why of refused) notes.push(`a declared document is not in the pack: ${why}`);
          if (refused.length && cert.declarations) cert.declarations.notInPack = refused;
        });
      await write('junit.xml', 'junit', () => junitXml(folder, tails));
      await write(
        'evidence.json',
        'evidence',
        () =>
          `${JSON.stringify({ standard: cert.standard, assessment: `${cert.assessment} (test case numbers derived)`, run: runRecord(folder), devicesUnderTest: devices, certification: cert, results: lab }, null, 2)}\n`,
      );
      let page: string | undefined;
      await write('report.html', 'html', () => (page = reportHtml(folder, lab, devices, cert, harnessInfo(), tails)));
      if (page !== undefined && env.HIL_NO_PDF !== '1') {
        const html = page;
        await step('report.pdf', 'pdf', async () => {
          printer ??= startPdfPrinter();
          await (await printer).print(html, join(dir, 'report.pdf'));
          files.push(join(dir, 'report.pdf'));
        });
      }
      toGitHub(folder, env);
      if (signer) files.push(writeSignatureNote(dir, signer));
    }
    // Chromium closes while the manifest is hashed.
    const closing = closePrinter(printer, deadlines.close);
    printer = undefined;
    await step('MANIFEST.sha256', 'manifest', async (signal) => {
      const { file, leftOut } = await writeManifest(dir, signal);
      files.push(file);
      for (const odd of leftOut) notes.push(`not in MANIFEST.sha256, not a regular file: ${odd}`);
    });
    if (signer && files.some((f) => f.endsWith(MANIFEST)))
      await step('the signature', 'manifest', async () => {
        files.push(signManifest(dir, signer));
      });
    const closed = await closing;
    if (closed) notes.push(closed);
  } finally {
    // Reached with a printer only when something threw outside the steps: still, no Chromium is left.
    await closePrinter(printer, deadlines.close);
  }
  return { files, notes };
}

/** Resolves with a note when Chromium did not close by itself; undefined when it did, or never started. */
function closePrinter(printer: Promise<PdfPrinter> | undefined, ms: number): Promise<string | undefined> {
  if (!printer) return Promise.resolve(undefined);
  const closed = printer.then(
    (started) =>
      started.close().then(
        () => undefined,
        (error: Error) => `Chromium: ${error.message.split('\n')[0]}`,
      ),
    () => undefined, // it never started: the PDF's note says why
  );
  // Still starting past the deadline: it is closed once started, without this wait.
  return withDeadline(closed, ms, 'started and closed').catch((error: Error) => `Chromium: not ${error.message}`);
}
