/**
 * What must hold after every brown-out trial (REFERENCE.md 7.2): the board boots to its ready line
 * within the deadline; it runs the old version or the new one, never another, never a mix; the
 * settings marker written before reads back; the boot log still has its required lines and no red
 * flag; the reset reason is recorded, and is the brown-out one when the supply went below the
 * threshold; and nothing is open that was shut (the firmware's own debug commands). Judged against
 * the board's baseline (baseline.ts): what was so before any trial is named, not blamed on the trial.
 */
import type { Board, BootRecord } from '../board.ts';
import { matchableText } from '../console/escape.ts';
import type { Glitch } from '../power/glitch.ts';
import { obeyedFirmwareCommands } from '../probes/console-probe.ts';
import { sameVersion, type UpdatePath } from '../update/path.ts';
import type { Candidate } from '../update/variants.ts';
import { already, type Baseline } from './baseline.ts';

export interface Expectation {
  /** The versions allowed to run afterwards: the one before, and the one being installed. */
  versions: string[];
  /** With an update path that lists images: the images allowed, matched by id and version together. */
  images?: { path: UpdatePath; allowed: Candidate[] };
  /** The settings marker values allowed to read back (the one written before, the one being written). */
  settings?: string[];
  /** The board before any trial: what a trial is judged against. */
  baseline: Baseline;
}

export interface TrialReport {
  trial: string;
  timing: Record<string, unknown>;
  /** Why the trial proves nothing (the console went away, an instrument failed); absent when judged. */
  inconclusive?: string;
  problems: string[];
  /** Findings that were so before any trial as well (named, not blamed on this one). */
  baseline?: string[];
  seen: Record<string, unknown>;
  /** The end of the console log from the glitch on: the evidence of what the board did. */
  excerpt: string[];
}

const hex = (code: number) => `0x${code.toString(16)}`;

export async function afterTrial(
  board: Board,
  trial: string,
  glitch: Glitch,
  boot: BootRecord,
  expect: Expectation,
): Promise<TrialReport> {
  const report: TrialReport = {
    trial,
    timing: glitch.timing,
    problems: [],
    seen: {},
    excerpt: board.console.linesSince(glitch.from.mark).map(matchableText).slice(-16),
  };
  const problems = report.problems;
  if (boot.portLost) return { ...report, inconclusive: `the console's port went away: ${boot.portLost}` };
  if (!boot.ready) {
    problems.push(
      boot.lineCount === 0
        ? 'bricked: the board printed nothing after the power came back'
        : `bricked: no ready line within ${boot.deadlineMs} ms (${boot.bannerSeen ? 'it did boot' : 'no boot banner either'})`,
    );
    return report;
  }
  const { boot: spec, brownout } = board.profile;
  const before = expect.baseline;
  const constant: string[] = [];
  report.seen.version = boot.version ?? 'none reported';
  if (!expect.versions.some((v) => sameVersion(v, boot.version)))
    problems.push(`runs version ${boot.version ?? '(none reported)'}; only ${expect.versions.join(' or ')} may run`);
  if (boot.resetCode === undefined && spec.resetReason) {
    if (before.noResetReason) constant.push(already.noResetReason());
    else problems.push('no reset reason line in the boot');
  } else if (boot.resetCode !== undefined) report.seen.reset = `${hex(boot.resetCode)} (${boot.resetKind})`;
  if (glitch.belowThreshold) {
    const detected = brownout.detector ? report.excerpt.some((l) => brownout.detector!.test(l)) : false;
    report.seen.brownOutDetector = detected ? 'its line was printed' : 'no line';
    if (boot.resetKind !== 'brown-out' && !detected)
      problems.push(
        `the supply went below the ${glitch.timing.thresholdVolts} V threshold, yet the reset was not a brown-out (${report.seen.reset ?? 'none'})`,
      );
  }
  for (const pattern of spec.required) {
    if (boot.hits(pattern).length > 0) continue;
    if (before.missing.has(pattern)) constant.push(already.missing(pattern));
    else problems.push(`required boot line missing: /${pattern.source}/`);
  }
  for (const pattern of spec.redFlags)
    for (const line of boot.hits(pattern).slice(0, 1)) {
      if (before.redFlags.has(pattern)) constant.push(already.redFlag(before.redFlags.get(pattern)!));
      else problems.push(`red-flag line: ${line}`);
    }
  if (expect.images?.path.listNow) await listedImage(expect.images, trial, report);
  if (expect.settings) await settingsIntact(board, expect.settings, report);
  for (const open of await obeyedFirmwareCommands(board)) {
    if (before.obeyed.has(open.sent)) constant.push(already.obeyed(open.sent));
    else problems.push(`fail-open: "${open.sent}" is obeyed now (${open.obeyed})`);
  }
  if (constant.length > 0) report.baseline = constant;
  return report;
}

/** The path's own list must name one of the allowed images, by id and version together: not a mix. */
async function listedImage(images: NonNullable<Expectation['images']>, trial: string, report: TrialReport) {
  const listed = await images.path.listNow!(`${trial}: what runs`);
  const id = listed.id?.toString('hex');
  report.seen[images.path.source] = { version: listed.pathVersion ?? 'none', id: id ?? 'none' };
  const match = images.allowed.find((image) => image.info.hash && listed.id?.equals(image.info.hash));
  if (!match) report.problems.push(`${images.path.source}: the running image ${id ?? '(none)'} is neither image`);
  else if (!sameVersion(match.info.version, listed.pathVersion))
    report.problems.push(
      `a mix: ${images.path.source} lists version ${listed.pathVersion} with the id of ${match.info.version}`,
    );
}

async function settingsIntact(board: Board, allowed: string[], report: TrialReport) {
  const read = await readMarker(board, allowed);
  report.seen.settings = read.lines;
  if (!read.found)
    report.problems.push(`settings marker lost: expected ${allowed.map((v) => `"${v}"`).join(' or ')} to read back`);
}

/** The settings read back (config-read): whether one of the allowed marker values is in the answer. */
export async function readMarker(board: Board, allowed: string[]) {
  const lines = (await board.action('config-read', {})).lines.map(matchableText);
  return { found: lines.some((line) => allowed.some((value) => line.includes(value))), lines: lines.slice(0, 4) };
}

/** Whether the board still answers (the profile's liveness probe, or a prompt after an empty line); undefined: no way to ask. */
export async function stillRunning(board: Board, step: string): Promise<boolean | undefined> {
  if (board.profile.liveness) return (await board.checkAlive(step)).alive;
  if (!board.profile.console.prompt) return undefined;
  return (await board.ask('', { step, timeout: 2000 }).catch(() => undefined))?.prompt ?? false;
}
