/**
 * `hil run`: every (board, suite) of a rig, each suite as its own process (suite-process.ts), each
 * board's suites one after another, boards side by side. summary.json is rewritten after every
 * suite. Exit 0: all passed; 1: a check failed; 2: the run could not be done. On SIGINT/SIGTERM:
 * suites stopped, supplies to the rig's safe state, summary written with complete: false.
 */
import { readBuild } from '../flash/deploy.ts';
import { deployBuilds } from './deploy-builds.ts';
import type { spawn } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { stopChild } from '../util/child.ts';
import type { RigEndpoints } from '../config/endpoints.ts';
import { type LoadedRig, loadRig, needsRigHost } from '../config/load.ts';
import { Rig } from '../power/registry.ts';
import { ConfigError } from '../util/errors.ts';
import type { KnownState } from '../known-state.ts';
import { makeFolder } from '../util/folders.ts';
import { boardToSafeState } from '../safe-state.ts';
import type { Need, SuiteSpec } from '../suite.ts';
import { type RunGuard, startGuard } from './guard.ts';
import { type BoardLock, lockBoard, lockBoardWaiting } from './lock.ts';
import { preflight } from './preflight.ts';
import type { Progress } from './progress.ts';
import { watchSignals } from './signals.ts';
import { buildReports } from '../report/index.ts';
import { type PackInputs, packInputs } from '../report/pack-inputs.ts';
import { KeyError } from '../report/signature.ts';
import { type PreflightProblem, type RunSummary, totals, writeSummary } from './summary.ts';
import { declarations, suiteFiles } from './suite-files.ts';
import { PROJECT_ROOT } from '../util/root.ts';
import { rigHostFor, type RigHostProcess } from './rig-host.ts';
import { startSuite } from './suite-process.ts';
import { type PdfPrinter, startPdfPrinter } from '../report/pdf.ts';

const DEFAULT_SUITE_DEADLINE_MS = 15 * 60_000;

export interface RunOptions {
  rig: string;
  boards?: string[];
  suites?: string[];
  out?: string;
  seed?: number;
  suiteDeadlineMs?: number;
  /** Wait this long for a board another run holds, instead of failing at once. */
  waitMs?: number;
  /** Builds to deploy before any suite (`--firmware [BOARD=]FILE`): for one board, or for every board run. */
  firmware?: { board?: string; file: string }[];
  /** Test a board whose boot does not report the build it was given, instead of refusing to. */
  anyFirmware?: boolean;
  /** Only these checks (`suite/check`), their suites run for them: the others are skipped, said so. */
  checks?: string[];
  /** The lab's private key for the manifest's signature (else the rig's lab.signing-key). */
  sign?: string;
  progress: Progress;
}

export const EXIT = { passed: 0, failed: 1, cannotRun: 2 } as const;

/**
 * A fuzz campaign's own budget comes on top of the suite's deadline: an hour's campaign is not stopped
 * at fifteen minutes. As the campaign reads it: HIL_FUZZ_SECONDS, the rig, the profile.
 */
function fuzzBudgetMs(rig: LoadedRig, board: string): number {
  const entry = rig.config.boards[board];
  const seconds =
    Number(process.env.HIL_FUZZ_SECONDS) ||
    entry?.fuzz?.seconds ||
    (entry ? rig.profiles.get(entry.profile)?.fuzz.seconds : undefined) ||
    0;
  return seconds * 1000;
}

function runId(rig: string, now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}-${rig}`;
}

export async function run(options: RunOptions): Promise<number> {
  const signals = watchSignals();
  try {
    return await runWatched(options, signals);
  } finally {
    signals.stop();
  }
}

async function runWatched(options: RunOptions, signals: ReturnType<typeof watchSignals>): Promise<number> {
  const { progress } = options;
  let rig: LoadedRig;
  try {
    rig = loadRig(options.rig, Rig);
  } catch (error) {
    if (error instanceof ConfigError) {
      progress.info(`cannot run: the rig or a profile is invalid:\n  ${error.problems.join('\n  ')}`);
      return EXIT.cannotRun;
    }
    throw error;
  }
  for (const warning of rig.warnings) progress.info(`hil: warning: ${warning}`);
  // The key and the declarations read before any board is touched: a bad one is said now, not after the run.
  let pack: PackInputs;
  try {
    pack = packInputs({ file: rig.file, loaded: rig }, options.sign ? { sign: options.sign } : {});
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof KeyError)) throw error;
    const problems = error instanceof ConfigError ? error.problems : [error.message];
    progress.info(`cannot run: the report's inputs cannot be used:\n  ${problems.join('\n  ')}`);
    return EXIT.cannotRun;
  }
  const allBoards = Object.keys(rig.config.boards);
  const boards = options.boards?.length ? options.boards : allBoards;
  const unknownBoards = boards.filter((b) => !allBoards.includes(b));
  const files = suiteFiles();
  const available = [...files.keys()];
  // --check runs its suite (for whatever the check needs), and only that check of it.
  const checkSuites = (options.checks ?? []).map((id) => id.split('/')[0]!);
  const asked = [...(options.suites ?? []), ...checkSuites];
  const suites = [...new Set(asked.length ? asked : available)];
  const unknownSuites = suites.filter((s) => !files.has(s));
  // Each build read before anything is locked or powered: a file that is not there stops the run at once.
  const builds = new Map<string, { file: string; image: Buffer }>();
  for (const { board, file } of options.firmware ?? []) {
    if (board !== undefined && !boards.includes(board)) {
      progress.info(
        `cannot run: --firmware names board ${board}, which this run does not test (boards: ${boards.join(', ')})`,
      );
      return EXIT.cannotRun;
    }
    const image = readBuild(file);
    if ('problem' in image) {
      progress.info(`cannot run: ${image.problem}`);
      return EXIT.cannotRun;
    }
    for (const name of board === undefined ? boards : [board]) builds.set(name, { file: resolve(file), image });
  }
  if (unknownBoards.length || unknownSuites.length) {
    if (unknownBoards.length)
      progress.info(
        `cannot run: no board ${unknownBoards.join(', ')} in ${rig.file} (boards: ${allBoards.join(', ')})`,
      );
    if (unknownSuites.length)
      progress.info(`cannot run: no suite ${unknownSuites.join(', ')} (suites: ${available.join(', ')})`);
    return EXIT.cannotRun;
  }
  // Checks named before anything is locked or powered (their suites' declarations only).
  if (options.checks?.length) {
    const problem = selectChecks(
      options.checks,
      await declarations([...new Set(checkSuites)].map((s) => files.get(s)!)),
    );
    if (problem) {
      progress.info(`cannot run: ${problem}`);
      return EXIT.cannotRun;
    }
  }

  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = new Date();
  const id = runId(rig.config.name, started);
  const outDir = resolve(options.out ?? join(PROJECT_ROOT, 'reports', id));
  makeFolder(outDir, 'run folder');
  if (!options.out) pointLatestAt(outDir);
  const summary: RunSummary = {
    run: {
      id,
      rig: rig.config.name,
      rigFile: resolve(rig.file),
      seed,
      started: started.toISOString(),
      complete: false,
    },
    results: [],
  };
  writeSummary(outDir, summary);
  progress.info(`run ${id}: ${boards.length} board(s) x ${suites.length} suite(s), seed ${seed}\nreport: ${outDir}`);

  const locks = new Map<string, BoardLock>();
  let rigHost: RigHostProcess | undefined;
  let guard: RunGuard | undefined;
  const children = new Set<ReturnType<typeof spawn>>();
  let interrupted: string | undefined;
  // The report's PDF needs Chromium: it starts while a board's last suite runs, not after the run.
  let printer: Promise<PdfPrinter> | undefined;
  const startPrinter = () => {
    if (process.env.HIL_NO_PDF === '1' || printer) return;
    printer = startPdfPrinter();
    printer.catch(() => undefined); // its failure is the report's note, when the PDF is made
  };
  const cleanup = async () => {
    await Promise.all([...children].map((child) => stopChild(child, 5000)));
    await toSafeState(rig, boards, rigHost?.endpoints, progress);
    await guard?.done();
    await rigHost?.stop();
    for (const lock of locks.values()) lock.release();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    progress.info(
      `\n${signal}: stopping suites, putting supplies in the safe state (${rig.config['safe-state'] ?? 'off'})`,
    );
    void cleanup().finally(async () => {
      summary.run.interrupted = signal;
      summary.run.finished = new Date().toISOString();
      writeSummary(outDir, summary);
      await reports(outDir, progress, pack, printer);
      progress.info(`report (incomplete): ${join(outDir, 'summary.json')}`);
      process.exit(EXIT.cannotRun);
    });
  };
  signals.whenSignalled(() => onSignal(signals.signal!));
  if (interrupted) return new Promise(() => undefined); // the signal handler finishes the run and exits

  let specs: SuiteSpec[] = [];
  const startNext = (board: string, index: number) =>
    startSuite({
      rig,
      board,
      suite: suites[index]!,
      spec: specs[index]!,
      file: files.get(suites[index]!)!,
      outDir,
      seed,
      deadlineMs:
        options.suiteDeadlineMs ??
        DEFAULT_SUITE_DEADLINE_MS + (suites[index] === 'fuzz' ? fuzzBudgetMs(rig, board) : 0),
      progress,
      children,
      lock: locks.get(board)!,
    });
  const firstSuites = new Map<string, ReturnType<typeof startSuite>>();
  try {
    specs = await declarations(suites.map((suite) => files.get(suite)!));
    // A suite that may change a board for good runs after the others, so that any order gives the
    // same verdicts (an anti-rollback counter raised early would turn later downgrade offers away).
    const order = [...specs.filter((spec) => !spec.forGood), ...specs.filter((spec) => spec.forGood)];
    if (order.some((spec, i) => spec !== specs[i])) {
      suites.splice(0, suites.length, ...order.map((spec) => spec.name));
      specs = order;
      for (const spec of order.filter((s) => s.forGood))
        progress.info(`${spec.name} runs after the other suites on each board: ${spec.forGood}`);
    }
    for (const board of boards)
      locks.set(
        board,
        options.waitMs
          ? await lockBoardWaiting(
              rig.config.name,
              board,
              options.waitMs,
              (text) => progress.info(text),
              () => !!interrupted,
            )
          : lockBoard(rig.config.name, board),
      );
    // Each board's first suite loads while the rig host starts and the pre-flight runs.
    for (const board of boards) if (suites.length > 0) firstSuites.set(board, startNext(board, 0));
    if (needsRigHost(rig.config)) rigHost = await rigHostFor(rig);
    // From here on the bench may be powered: should this process die, the guard puts it at rest.
    guard = startGuard({ rigFile: resolve(rig.file), boards, outDir, endpointsFile: rigHost?.endpointsFile });
    for (const lock of locks.values()) lock.note(guard.pid === undefined ? [] : [guard.pid]);
  } catch (error) {
    if (interrupted) return new Promise(() => undefined);
    progress.info(`cannot run: ${(error as Error).message}`);
    await cleanup();
    return EXIT.cannotRun;
  }
  if (interrupted) return new Promise(() => undefined);

  const needs = new Set<Need>(specs.flatMap((spec) => spec.needs));
  const notReady = async (problems: PreflightProblem[], what: string) => {
    progress.info(
      `cannot run: ${what} (no suite was started):\n${problems
        .map((p) => `  [${p.board}] ${p.need}: expected ${p.expected}\n    seen: ${p.seen}`)
        .join('\n')}`,
    );
    await cleanup();
    summary.run.preflight = problems;
    summary.run.finished = new Date().toISOString();
    writeSummary(outDir, summary);
    await reports(outDir, progress, pack);
    return EXIT.cannotRun;
  };
  const problems = await preflight(rig, boards, needs, rigHost?.endpoints);
  if (problems.length > 0) return notReady(problems, 'the pre-flight found the rig not ready');
  if (builds.size > 0) {
    const { deployed, problems } = await deployBuilds(rig, builds, rigHost?.endpoints.boards, outDir, {
      anyFirmware: options.anyFirmware === true,
      say: (board, text) => progress.info(`${board}: ${text}`),
    });
    summary.run.builds = deployed;
    writeSummary(outDir, summary);
    if (interrupted) return new Promise(() => undefined);
    if (problems.length > 0) return notReady(problems, 'a board does not run the build it was given');
  }

  // Boards are independent benches: test them side by side, each board's suites one after another.
  // Should the harness itself fail, supplies still go to the safe state; summary.json already says
  // complete: false.
  await Promise.all(
    boards.map(async (board) => {
      // Each suite's successor loads while it runs, and waits for the board.
      let next = firstSuites.get(board);
      // What each suite left the board in, handed to the next: only a board known ready is reused.
      let left: KnownState = 'unknown';
      for (let index = 0; next; index++) {
        if (interrupted) return;
        const current = next;
        next = index + 1 < suites.length ? startNext(board, index + 1) : undefined;
        if (!next) startPrinter();
        const done = await current.go({ endpointsFile: rigHost?.endpointsFile, guard: guard!, board: left });
        if (interrupted) return;
        const { result } = done;
        left = done.boardLeft;
        summary.results.push(result);
        writeSummary(outDir, summary);
      }
    }),
  ).catch(async (error: unknown) => {
    await printer?.then((p) => p.close()).catch(() => undefined);
    await cleanup();
    throw error;
  });
  if (interrupted) return new Promise(() => undefined); // the signal handler finishes the run and exits

  await cleanup();
  summary.run.finished = new Date().toISOString();
  summary.run.complete = true;
  const file = writeSummary(outDir, summary);
  await reports(outDir, progress, pack, printer);
  const sum = totals(summary);
  progress.info(
    `\n${sum.pass} passed, ${sum.fail} failed, ${sum.skip} skipped, ${sum.inconclusive} could not be tested\nsummary: ${file}`,
  );
  // A failed check is a finding; a check that could not be made, or a suite that crashed, is not one.
  if (sum.fail > 0) return EXIT.failed;
  return sum.inconclusive > 0 || summary.results.some((r) => r.error) ? EXIT.cannotRun : EXIT.passed;
}

/** junit.xml, report.html, report.pdf, evidence.json and the manifest; a report that fails is said, not fatal. */
async function reports(
  outDir: string,
  progress: Progress,
  pack: PackInputs,
  printer?: Promise<PdfPrinter>,
): Promise<void> {
  try {
    const built = await buildReports(outDir, { printer, pack });
    for (const note of built.notes) progress.info(note);
  } catch (error) {
    progress.info(`reports not written: ${(error as Error).message}`);
  }
}

function pointLatestAt(outDir: string): void {
  const latest = join(PROJECT_ROOT, 'reports', 'latest');
  rmSync(latest, { force: true });
  try {
    symlinkSync(relative(join(PROJECT_ROOT, 'reports'), outDir), latest);
  } catch {
    // a filesystem without symlinks: the run folder is printed anyway
  }
}

async function toSafeState(
  rig: LoadedRig,
  boards: string[],
  endpoints: RigEndpoints | undefined,
  progress: Progress,
): Promise<void> {
  for (const board of boards) {
    await boardToSafeState(rig, board, endpoints?.boards[board]).catch((error: Error) => {
      const state = rig.config['safe-state'] ?? 'off';
      progress.info(`warning: could not put ${board} in the safe state (${state}): ${error.message}`);
    });
  }
}

/**
 * The checks `--check` asks for, to every suite process (HIL_CHECKS, as the seed goes): each must be
 * one its suite declares. None asked: every check runs.
 */
function selectChecks(checks: string[], specs: SuiteSpec[]): string | undefined {
  for (const id of checks) {
    const [suite, check] = id.split('/');
    const spec = specs.find((s) => s.name === suite)!;
    if (check === undefined || !(check in spec.checks))
      return `no check ${id} (${suite}'s checks: ${Object.keys(spec.checks).join(', ')})`;
  }
  process.env.HIL_CHECKS = checks.join(',');
  return undefined;
}
