/**
 * The fuzz suite's two jobs on a board: a campaign on one target (a fresh boot, the firmware's
 * fingerprint, the campaign, a reproducer for each failure), and a replay of a reproducer.
 */
import type { Board } from '../board.ts';
import type { BootRecord } from '../boot-record.ts';
import { bootMarker } from '../config/load.ts';
import { HilError } from '../util/errors.ts';
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import { askAlive, Campaign, type CampaignResult, replay } from './campaign.ts';
import { type AskingWay, askingWay, cannotAsk, standardMonitors } from './monitors.ts';
import { type FuzzPlan, type FuzzTargetName, sourceFor } from './plan.ts';
import { firmwareFingerprint, loadReproducer, type SavedFailure, saveReproducer } from './reproducer.ts';
import { consoleTarget, smpTarget, type Target, tcpTarget, udpTarget } from './targets.ts';
import { usbTarget } from './usb-target.ts';
import { type CoverageSummary, startCoverage, writeCoverage } from './coverage-session.ts';

const LIVENESS_EVERY = 50;

function targetFor(board: Board, kind: string, deadlineMs: number, plan?: Pick<FuzzPlan, 'network' | 'usb'>): Target {
  const network = plan?.network;
  if (kind === 'console') return consoleTarget(board, deadlineMs, board.rollback?.path === 'smp');
  if (kind === 'smp') return smpTarget(board, deadlineMs);
  if (kind === 'usb') {
    if (!plan?.usb) throw board.failure('fuzz', "the board's USB device on this host", 'none reachable');
    return usbTarget(plan.usb);
  }
  if (!network) throw board.failure('fuzz', 'a network port in the rig (fuzz.tcp or fuzz.udp)', 'none');
  return kind === 'tcp' ? tcpTarget(network.host, network.port, deadlineMs) : udpTarget(network.host, network.port);
}

const fingerprintOf = (board: Board, boot: BootRecord) =>
  firmwareFingerprint(
    boot.lines.find((l) => bootMarker(board.profile.boot).test(l)),
    boot.version,
  );

export interface FuzzResult extends CampaignResult {
  seed: number;
  reproducers: SavedFailure[];
  /** How the board was asked whether it lives; undefined when it gives no way (see `cannotAsk`). */
  asked: AskingWay | undefined;
  cannotAsk?: string;
  /** A console campaign's grammar: where it came from, and whether it had any line to start from. */
  grammar?: { source: string; empty: boolean };
  /** A console campaign the rig asked coverage for: what it reached, or why there was none. */
  coverage?: CoverageSummary | { unavailable: string };
}

export async function runFuzzCampaign(
  board: Board,
  rigFile: string,
  plan: FuzzPlan,
  target: FuzzTargetName,
  progress: (text: string) => void,
): Promise<FuzzResult> {
  const source = sourceFor(plan, target);
  const sender = targetFor(board, source.target, plan.caseDeadlineMs, plan);
  const monitors = standardMonitors(board, plan.caseDeadlineMs, source.target);
  const asked = askingWay(board, source.target);
  const known = {
    seed: plan.seed,
    asked,
    ...(asked ? {} : { cannotAsk: cannotAsk(source.target) }),
    ...(target === 'console'
      ? { grammar: { source: plan.grammar, empty: source.commands.length === 0 && source.samples.length === 0 } }
      : {}),
  };
  try {
    const boot = await board.restart(`fuzz ${target}: restart`);
    if (!boot.ready)
      return {
        ...known,
        cases: 0,
        seconds: 0,
        failures: [],
        reproducers: [],
        synopsis: [],
        stopped: 'the board did not boot to its ready line before the campaign',
      };
    for (const m of monitors) m.restarted();
    const firmware = fingerprintOf(board, boot);
    // After the boot: the blocks the boot reached are not the campaign's.
    const traced = target === 'console' ? await startCoverage(board, rigFile) : undefined;
    const coverage = traced && 'coverage' in traced ? traced : undefined;
    if (coverage && board.connections.config.fuzz?.coverage?.guide !== false) {
      source.corpus = [];
      source.compared = coverage.compared;
      // The compared bytes are tokens for the grammar too: `key H` is then a likely line.
      source.dictionary = [...source.dictionary, ...coverage.compared.map((b) => Buffer.from([b]))];
    }
    const campaign = new Campaign(
      board,
      sender,
      source,
      monitors,
      { cases: plan.cases, seconds: plan.seconds, livenessEvery: LIVENESS_EVERY, minimizeTests: plan.minimizeTests },
      (p) =>
        progress(
          `fuzz ${target}: ${p.cases} cases, ${p.casesPerSecond.toFixed(0)}/s, ${p.failures} failures${p.last ? `, last: ${p.last}` : ''}${coverage ? `, ${coverage.coverage.reachedCount}/${coverage.coverage.total} blocks` : ''}`,
        ),
      coverage?.coverage,
    );
    let result: CampaignResult;
    // The case deadlines, liveness probes and restarts wait for the firmware's own time, not the halts.
    const counted = coverage ? board.console.excludeHalts(() => coverage.coverage.halts.totalMs) : undefined;
    try {
      result = await campaign.run();
    } finally {
      counted?.();
      await coverage?.coverage.stop();
    }
    const reproducers = result.failures.map((f) =>
      saveReproducer(board, rigFile, source, f, plan.caseDeadlineMs, firmware),
    );
    const covered = coverage
      ? writeCoverage(board, target, coverage, plan.seed, result.timeline ?? [], source.corpus ?? [])
      : traced && 'unavailable' in traced
        ? traced
        : undefined;
    return { ...result, ...known, reproducers, ...(covered ? { coverage: covered } : {}) };
  } finally {
    for (const m of monitors) m.close?.();
  }
}

/**
 * Run a reproducer again on a restarted board. The same failure: reproduced (fail). A different one:
 * fail too, said as "a different failure". Nothing: a pass only once the board is shown alive after
 * the case (asked as a campaign asks it). A board that cannot be brought up, or asked: inconclusive.
 */
export async function replayReproducer(board: Board, file: string, plan: FuzzPlan): Promise<Outcome> {
  let reproducer: ReturnType<typeof loadReproducer>;
  try {
    reproducer = loadReproducer(file);
  } catch (error) {
    return inconclusive((error as Error).message);
  }
  const target = targetFor(board, reproducer.target, reproducer.pacing.caseDeadlineMs, plan);
  const monitors = standardMonitors(board, reproducer.pacing.caseDeadlineMs, reproducer.target);
  const asked = askingWay(board, reproducer.target);
  try {
    // One restart gives both the firmware's fingerprint and the fresh board the replay needs.
    const boot = await board.restart('replay: restart').catch((error: unknown) => {
      if (error instanceof HilError) return error;
      throw error;
    });
    if (boot instanceof HilError || !boot.ready) {
      const why = boot instanceof HilError ? `${boot.detail.step}: ${boot.detail.seen}` : 'no ready line';
      return inconclusive(`the board could not be brought up (${why}), so nothing was replayed`);
    }
    for (const m of monitors) m.restarted();
    const firmware = fingerprintOf(board, boot);
    const preamble = reproducer.preamble.map((p) => Buffer.from(p.bytes, 'base64'));
    const looking = reproducer.finding;
    let seen = await replay(board, target, monitors, preamble, Buffer.from(reproducer.bytes, 'base64'), looking);
    // Nothing seen: the board must still be shown alive (a replay on a board gone silent tested nothing).
    if (!seen && asked && looking.kind !== 'dead' && looking.kind !== 'hang') seen = await askAlive(monitors);
    const evidence = {
      outcome: !seen
        ? asked
          ? `no longer reproduces: the board took the case and answered its ${asked} afterwards`
          : 'nothing seen, and no way to ask whether the board lives'
        : seen.signature === looking.signature
          ? `reproduced: ${seen.signature}`
          : `a different failure: ${seen.signature} (the reproducer's was ${looking.signature})`,
      reproducer: file,
      looking: looking.signature,
      seen: seen?.signature ?? 'nothing: the board took the input',
      sent: reproducer.shown,
      firmware: {
        recorded: reproducer.firmware,
        now: firmware,
        same: firmware.banner === reproducer.firmware.banner && firmware.version === reproducer.firmware.version,
      },
    };
    if (seen) return fail(evidence);
    return asked ? pass(evidence) : inconclusive(cannotAsk(reproducer.target), evidence);
  } finally {
    for (const m of monitors) m.close?.();
  }
}
