/**
 * What a suite file is: `export default defineSuite(spec, body)`. The spec declares the checks up
 * front (a stable id, a title, the provisions each gives evidence for) and what the board must have
 * wired and answering (the runner's pre-flight pings it). The body gets the board and reports one
 * outcome per check. Whatever happens, every declared check is reported: a check the body never
 * reached, because it threw (a port gone, an instrument down) or simply did not, is inconclusive
 * with the cause. Run by `hil run`, a suite gets HIL_RIG, HIL_BOARD, HIL_RUN_DIR and HIL_SEED, loads
 * the rig, and waits for its go on stdin (a JSON line naming the endpoints file). Run on its own
 * (node --import tsx suites/x.ts) it takes the board lock, uses rigs/virtual.yaml's first board and
 * starts the rig host itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { firmwareComment } from './firmware-seen.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { basename, join, relative, resolve } from 'node:path';
import { Board, type KnownState } from './board.ts';
import { type BoardEndpoints, readEndpoints } from './config/endpoints.ts';
import { type LoadedRig, loadRig, needsRigHost } from './config/load.ts';
import { printWarnings } from './config/renamed.ts';
import { Rig } from './power/registry.ts';
import { ConfigError, HilError } from './util/errors.ts';
import { cleanEvidence, type Evidence } from './evidence.ts';
import { lockBoard } from './runner/lock.ts';
import { PROJECT_ROOT } from './util/root.ts';
import { startRigHost } from './runner/rig-host.ts';
import { TapWriter } from './util/tap-writer.ts';
import { boardToSafeState } from './safe-state.ts';
import { inconclusive, type Outcome, skip } from './verdict.ts';
import { warmLogThread } from './console/log-thread.ts';

/** What a suite's checks rely on; the pre-flight opens or pings each one the board has wired. */
export type Need = 'console' | 'power' | 'debug-port' | 'boot-strap' | 'boot-uart' | 'trust';

export interface CheckSpec {
  /** What the check shows, in words: no patterns, no timings. */
  title: string;
  /** ETSI EN 303 645 provision ids this check gives evidence for, e.g. "5.6-4". */
  provisions: string[];
}

export interface SuiteSpec<Id extends string = string> {
  name: string;
  needs: Need[];
  checks: Record<Id, CheckSpec>;
  /**
   * Why this suite's work may leave the firmware in a state no boot line shows (a fuzz campaign,
   * uploads, cuts): the board is then handed on as unknown, and the next suite restarts it.
   */
  disturbs?: string;
  /**
   * Why this suite may change a board for good (an image installed, a counter raised), which no later
   * suite could undo: the runner runs it after the others, whatever order was asked for.
   */
  forGood?: string;
}

export interface SuiteContext<Id extends string> {
  board: Board;
  rig: LoadedRig;
  /** The run's seed: every random choice a suite makes flows from it. */
  seed: number;
  report(id: Id, outcome: Outcome): void;
  /**
   * Run one check and report what it gives. Its trouble is its own: a HilError it throws makes that
   * check inconclusive with the step that failed, and the suite goes on to the next; only a board
   * that is gone (its console's port lost) ends the rest.
   */
  check(id: Id, run: () => Promise<Outcome>): Promise<void>;
  /** The same outcome for every check not reported yet (no power control: nothing can be tested). */
  reportRest(outcome: Outcome): void;
  /** A line for the person watching (long work: a fuzz campaign's cases and rate); a TAP comment. */
  progress(text: string): void;
}

export interface DeclaredSuite {
  spec: SuiteSpec;
  /** Settles when the suite has run (at once when only its declaration was wanted). */
  done: Promise<void>;
}

/** A check's full id, stable across runs and boards: `debug-interfaces/rom-loader`. */
export const checkId = (suite: string, check: string) => `${suite}/${check}`;

let declarationsOnly = false;
/** For the runner, which imports suite files to read their declarations: none of them runs. */
export function readDeclarationsOnly(): void {
  declarationsOnly = true;
}

export function defineSuite<Id extends string>(
  spec: SuiteSpec<Id>,
  body: (context: SuiteContext<Id>) => Promise<void>,
): DeclaredSuite {
  return { spec, done: declarationsOnly ? Promise.resolve() : runSuite(spec, body) };
}

async function runSuite<Id extends string>(
  spec: SuiteSpec<Id>,
  body: (context: SuiteContext<Id>) => Promise<void>,
): Promise<void> {
  const tap = new TapWriter();
  const cleanups: (() => Promise<void>)[] = [];
  const reported = new Set<string>();
  let runDir = '';
  let rig: LoadedRig | undefined;
  let name: string | undefined;
  let endpoints: BoardEndpoints | undefined;
  let board: Board | undefined;
  // `hil run --check suite/check`: the suite runs for what that check needs; the rest are not made.
  const only = process.env.HIL_CHECKS ? new Set(process.env.HIL_CHECKS.split(',')) : undefined;
  const asked = (id: Id) => !only || only.has(checkId(spec.name, id));
  const notAsked = () => skip(`not asked for (--check ${[...only!].join(' --check ')})`);
  const emit = (id: Id, given: Outcome) => {
    const outcome = asked(id) ? given : notAsked();
    const check = spec.checks[id];
    if (!check) throw new Error(`suite ${spec.name} reported "${id}", which it does not declare`);
    if (reported.has(id)) throw new Error(`suite ${spec.name} reported "${id}" twice`);
    reported.add(id);
    const diag = { id: checkId(spec.name, id), provisions: check.provisions };
    const log = board ? relative(runDir, board.console.logPath) : undefined;
    const evidence = (e: Evidence) => cleanEvidence({ ...e, ...(log ? { log } : {}) }, rig?.redactor);
    if (outcome.verdict === 'skip') tap.point(false, check.title, diag, outcome.reason);
    else if (outcome.verdict === 'inconclusive') {
      const cause = cleanEvidence(outcome.reason, rig?.redactor);
      tap.point(false, check.title, { ...diag, inconclusive: true, cause, evidence: evidence(outcome.evidence) });
    } else tap.point(outcome.verdict === 'pass', check.title, { ...diag, evidence: evidence(outcome.evidence) });
  };
  const rest = (outcome: Outcome) => {
    for (const id of Object.keys(spec.checks) as Id[]) if (!reported.has(id)) emit(id, outcome);
  };
  const note = (text: string) => tap.comment(text);
  let stopped: string | undefined;
  /** The step at which a check met trouble it ended with (the board may not be where it was). */
  let troubled: string | undefined;
  // Under `hil run` stdin is a pipe from the runner. Its first line is the go: the board is this
  // suite's from then. Its end means the run is gone (killed outright), so the board goes to the safe
  // state and this process stops rather than drive it on alone; before the go, the board is not ours.
  const watchParent = process.env.HIL_WATCH_STDIN === '1';
  let parentGone: Promise<void> | undefined;
  let go: Promise<GoLine> | undefined;
  let goSeen = !watchParent;
  if (watchParent) {
    go = firstLine(process.stdin).then((line) => JSON.parse(line) as GoLine);
    const onGone = async () => {
      if (!goSeen) process.exit(2);
      process.stderr.write(
        `${spec.name}: the run that started this suite is gone; board to the safe state, stopping\n`,
      );
      // The board's own drivers where it is open (a serial supply opens once); fresh ones otherwise,
      // and also when the board's own failed (the suite's body may have closed them meanwhile).
      const fresh = () => (rig && name ? boardToSafeState(rig, name, endpoints) : Promise.resolve());
      const atRest = board ? board.toSafeState(rig!.config['safe-state'] ?? 'off', true).catch(fresh) : fresh();
      await atRest.catch(() => undefined);
      // The console's log to its files (the readable one waits up to 50 ms in memory), a second at most.
      if (board) await Promise.race([board.console.close().catch(() => undefined), delay(1000)]);
      process.exit(2);
    };
    const gone = () => {
      parentGone ??= onGone();
    };
    process.stdin.once('end', gone);
    process.stdin.once('error', gone);
    process.stdin.resume();
    // With the runner gone, TAP has nowhere to go: a write fails with EPIPE, which must not end this
    // process before the board is at rest.
    for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
  }
  void warmLogThread(); // started while the suite waits for its go, not beside its console's first bytes
  try {
    rig = loadRig(process.env.HIL_RIG ?? join(PROJECT_ROOT, 'rigs', 'virtual.yaml'), Rig);
    if (!watchParent) printWarnings(rig.warnings); // under a runner, the runner has said them
    name = process.env.HIL_BOARD ?? Object.keys(rig.config.boards)[0]!;
    runDir = resolve(process.env.HIL_RUN_DIR ?? mkdtempSync(join(tmpdir(), `hil-${spec.name}-`)));
    const given = go ? await go : undefined;
    goSeen = true;
    // Under `hil run` the runner (this process's parent) holds the board's lock; on our own we take it.
    const lock = lockBoard(rig.config.name, name, { heldBy: process.ppid });
    cleanups.push(async () => lock.release());
    let endpointsFile = given ? given.endpoints : process.env.HIL_ENDPOINTS;
    if (needsRigHost(rig.config) && !endpointsFile) {
      const started = await startRigHost(rig.file);
      cleanups.unshift(() => started.stop());
      endpointsFile = started.endpointsFile;
      note(`started the rig host for this suite; logs in ${runDir}`);
    }
    endpoints = endpointsFile ? readEndpoints(endpointsFile).boards[name] : undefined;
    board = await Board.open({ rig, name, logDir: join(runDir, name), logName: spec.name, endpoints });
    cleanups.unshift(() => board!.close());
    board.learn(given?.board === 'ready' || given?.board === 'off' ? given.board : 'unknown');
    const seed = Number(process.env.HIL_SEED ?? 1);
    note(`seed ${seed}`);
    const open = board;
    const check = async (id: Id, run: () => Promise<Outcome>) => {
      if (!asked(id)) return emit(id, notAsked());
      let outcome: Outcome;
      try {
        outcome = await run();
      } catch (error) {
        if (!(error instanceof HilError) || !open.console.isConnected) throw error;
        troubled = error.detail.step;
        outcome = inconclusive(`could not test: ${error.message.replace(/\n\s*/g, ' | ')}`);
      }
      emit(id, outcome);
    };
    const progress = (text: string) => note(`progress: ${text}`);
    await body({ board, rig, seed, report: emit, check, reportRest: rest, progress });
  } catch (error) {
    const known = error instanceof HilError || error instanceof ConfigError;
    if (!known) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    stopped = (error as Error).message.replace(/\n\s*/g, ' | ');
  } finally {
    rest(
      inconclusive(
        stopped
          ? `could not test: the suite stopped before this check: ${stopped}`
          : 'could not test: the suite ended without reporting this check',
      ),
    );
    // What the next suite may assume: only a board this suite left ready, undisturbed, is reused.
    const unsettled = spec.disturbs ?? (troubled && `a check met trouble at "${troubled}"`);
    const left = board && !stopped && !unsettled ? board.knownState : 'unknown';
    if (board?.firmware) note(firmwareComment(board.firmware));
    note(`board left: ${left}${left === 'unknown' && unsettled ? ` (${unsettled})` : ''}`);
    tap.end();
    // A suite that ends while its run is going away leaves the bench to that (which ends this process):
    // closing the board's drivers now would take the supply from under it, leaving the board powered.
    if (parentGone) await parentGone;
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    if (watchParent) process.stdin.destroy();
  }
}

/** A suite's go from `hil run`: the rig host's endpoints file, when the rig has one. */
interface GoLine {
  endpoints?: string;
  /** What the suite before this one left the board in. */
  board?: KnownState;
}

/** The first line a stream gives (the runner's go is one short line). */
function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolveLine) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end < 0) return;
      stream.off('data', onData);
      resolveLine(text.slice(0, end));
    };
    stream.on('data', onData);
  });
}

/** The suite name a file is for: its base name without the extension. */
export const suiteNameOf = (file: string) => basename(file).replace(/\.[cm]?[jt]s$/, '');
