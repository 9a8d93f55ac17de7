/**
 * The console check: send words an attacker with a USB-UART cable would try — shell and interpreter
 * probes, memory-dump and bootloader commands, escape keys — plus the profile's own, and look for
 * signs one was obeyed. A login prompt is fine; evaluated code, a root shell, a memory dump or a
 * bootloader prompt is a finding.
 */
import type { Board, BootRecord } from '../board.ts';
import { matchableText } from '../console/escape.ts';
import { HilError } from '../util/errors.ts';
import { inconclusive, judged, type Outcome } from '../verdict.ts';
import { COUNTDOWN } from './boot-window.ts';

export const BUILTIN_PROBES: { send: string; why: string }[] = [
  { send: 'print(6*7)', why: 'a Python, MicroPython or Lua interpreter evaluates it' },
  { send: 'echo $((6*7))', why: 'a POSIX shell evaluates it' },
  { send: 'id', why: 'a Unix shell names its user' },
  { send: 'md 0 8', why: "U-Boot's memory display" },
  { send: 'mem', why: 'a common memory-dump command' },
  { send: 'dump', why: 'a common memory-dump command' },
  { send: 'peek 0', why: 'a common memory-read command' },
  { send: 'debug', why: 'a common debug menu' },
];

export const ESCAPE_KEYS: { bytes: string; name: string }[] = [
  { bytes: '\x03', name: 'Ctrl-C' },
  { bytes: '\x1b', name: 'Esc' },
  { bytes: ' ', name: 'space (stops U-Boot autoboot)' },
];

export const OBEYED: { pattern: RegExp; meaning: string }[] = [
  { pattern: /^42$/, meaning: 'an expression was evaluated: an interpreter or shell' },
  { pattern: /uid=0\(root\)/, meaning: 'a root shell' },
  { pattern: /^(0x)?[0-9a-fA-F]{8}:?(\s+[0-9a-fA-F]{2,8}){4,}/, meaning: 'a memory dump' },
  { pattern: /^(=>|U-Boot>) ?$/, meaning: 'a U-Boot prompt' },
  { pattern: /^(# |\$ |root@\S+[#$] ?)$/, meaning: 'a Unix shell prompt' },
];

export interface ProbeResult {
  sent: string;
  why: string;
  response: string[];
  obeyed?: string;
}

/** The probes sent, and where the console stopped taking them (no prompt came back for the next). */
interface Probed {
  results: ProbeResult[];
  stopped?: string;
}

const RESPONSE_WINDOW_MS = 800;
/** Quiet after an escape key before the Enter that asks for the prompt: a console answers a key in a few ms. */
const KEY_QUIET_MS = 100;

/**
 * Send every probe and judge the answers. A board that did not boot to its prompt, or a console that
 * answered none of the probes, proves nothing: the firmware may be hung or deaf.
 */
export async function probeConsole(board: Board, boot: BootRecord | undefined): Promise<Outcome> {
  if (boot && !boot.ready)
    return inconclusive('the board did not boot to its ready line', { tail: boot.lines.slice(-8) });
  // A board whose ready line is a countdown (a bootloader's autoboot) is in a window: the first probe
  // goes at once, not after a wait for a prompt the window may close before.
  const inWindow = COUNTDOWN.test(boot?.lines.at(-1) ?? '');
  const { results: probes, stopped } = await sendProbes(
    board,
    [...BUILTIN_PROBES, ...profileProbes(board)],
    true,
    inWindow,
  );
  const obeyed = probes.filter((p) => p.obeyed);
  // The board echoing what was typed is not an answer.
  const answered = probes.filter((p) => p.response.some((line) => line.trim() && !line.endsWith(p.sent)));
  const tried = probes.map((p) => p.sent);
  const evidence = {
    obeyed: obeyed.map((p) => ({ sent: p.sent, why: p.why, obeyed: p.obeyed, response: p.response })),
    tried,
    answered: answered.length,
    ...(inWindow ? { window: `the first probe went at once, into the countdown: ${boot?.lines.at(-1)}` } : {}),
    ...(stopped ? { stopped } : {}),
  };
  if (obeyed.length > 0) return judged(false, evidence);
  if (answered.length === 0) return inconclusive('the console answered none of the probes', evidence);
  // A console that stopped taking probes part way answered only some: what it was not asked proves nothing.
  if (stopped) return inconclusive(`the console stopped answering part way: ${stopped}`, evidence);
  return judged(true, evidence);
}

/** The firmware's own debug commands (the profile's) that it obeys: none, on a board that is not open. */
export async function obeyedFirmwareCommands(board: Board): Promise<ProbeResult[]> {
  const { results, stopped } = await sendProbes(board, profileProbes(board), false);
  // A command that could not be sent was not refused: the caller learns the console stopped answering.
  if (stopped) throw board.failure('firmware debug commands', 'the prompt before each command', stopped);
  return results.filter((p) => p.obeyed);
}

const profileProbes = (board: Board) =>
  board.profile.debug.consoleProbes.map((send) => ({ send, why: "the profile's own debug command" }));

async function sendProbes(
  board: Board,
  probes: { send: string; why: string }[],
  escapes: boolean,
  firstAtOnce = false,
): Promise<Probed> {
  const results: ProbeResult[] = [];
  for (const [index, probe] of probes.entries()) {
    let mark: number;
    try {
      mark =
        index === 0 && firstAtOnce
          ? await sendAtOnce(board, probe.send)
          : await board.command(probe.send, `console probe "${probe.send}"`);
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      return { results, stopped: `before "${probe.send}": ${error.detail.step}: ${error.detail.seen}` };
    }
    results.push(judge(probe.send, probe.why, await collect(board, mark)));
  }
  for (const key of escapes ? ESCAPE_KEYS : []) {
    const mark = board.console.mark();
    await board.console.write(Buffer.from(key.bytes, 'latin1'));
    // A key's answer is whatever the board says to it, then to an Enter: a console the key left alone
    // shows its prompt again at once, so the window ends on the board's own answer, not a fixed wait.
    if (board.profile.console.prompt) {
      await board.console.waitQuiet(KEY_QUIET_MS, RESPONSE_WINDOW_MS);
      await board.console.write(Buffer.from('\r'));
    }
    results.push(judge(key.name, 'an escape key', await collect(board, mark)));
  }
  return { results };
}

/** Send a line without waiting for a prompt first; the mark from which its answer reads. */
async function sendAtOnce(board: Board, text: string): Promise<number> {
  const mark = board.console.mark();
  await board.console.send(text);
  return mark;
}

/** What the board says in answer: up to its next prompt, or a short window when it has none. */
async function collect(board: Board, mark: number): Promise<string[]> {
  const prompt = board.profile.console.prompt ?? /(?!)/;
  try {
    await board.console.expect(prompt, { timeout: RESPONSE_WINDOW_MS, step: 'probe response', allowCrash: true });
  } catch (error) {
    if (!(error instanceof HilError)) throw error;
  }
  const lines = board.console.linesSince(mark).map(matchableText);
  // The line on screen when the probe went (its prompt) is part of an answer only once it ended: a board
  // that read nothing leaves it as it was, and it must not count as one.
  const pending = lines.length > 0 ? board.console.pendingText() : '';
  return pending ? [...lines, pending] : lines;
}

function judge(sent: string, why: string, response: string[]): ProbeResult {
  // The board echoing what was typed is not an answer.
  const answer = response.filter((line) => !line.endsWith(sent));
  const hit = OBEYED.map((o) => ({ o, line: answer.find((l) => o.pattern.test(l)) })).find((x) => x.line !== undefined);
  return { sent, why, response: response.slice(0, 20), ...(hit ? { obeyed: `${hit.o.meaning}: ${hit.line}` } : {}) };
}
