/**
 * The boot-window check. A bootloader that counts down before it boots ("Hit any key to stop
 * autoboot", "Press Ctrl-C", "Autoboot in N seconds") is a debug console for anyone who presses a key
 * in time. Right after power-on, space and Ctrl-C are sent every 100 ms through the boot window, as
 * labgrid's U-Boot strategy does; then what the board reached is judged: a bootloader prompt fails;
 * silence is inconclusive. Booting on to its ready line regardless (and staying there) passes only once
 * the board is shown to read its console in this session (an Enter brings its prompt back, or its
 * liveness probe answers): keys that never reached it (a TX wire off the pin) look like a countdown
 * that keys cannot stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Board } from '../board.ts';
import { matchableText } from '../console/escape.ts';
import { answers, describeNoAnswer } from '../known-state.ts';
import { fail, inconclusive, type Outcome, pass, skip } from '../verdict.ts';

const KEYS = [Buffer.from(' '), Buffer.from('\x03')];
const KEY_INTERVAL_MS = 100;
/** After the ready line, keys go on this long: a countdown that comes after it is still caught. */
const AFTER_READY_MS = 1000;
/** Bootloader prompts, on a line of their own (usually one that has not ended). */
const BOOTLOADER_PROMPT = /^(=>|U-Boot>|Marvell>>|boot>|\[[\w-]+\]#|ipq\d*#) ?$/;
export const COUNTDOWN = /Hit any key to stop autoboot|Press Ctrl-C|Autoboot in \d+ seconds?|Hit \[?Enter\]? to stop/i;

export async function probeBootWindow(board: Board): Promise<Outcome> {
  if (!board.power) return skip('the rig wires no power control to this board, so its boot window cannot be reached');
  const { mark, started } = await board.powerOffOn('boot window');
  const deadline = started + board.profile.boot.deadlineMs;
  let keys = 0;
  let readyAt: number | undefined;
  const seen = () => {
    const lines = board.console.linesSince(mark).map(matchableText);
    const pending = board.console.pendingTextSince(mark);
    return pending ? [...lines, pending] : lines;
  };
  for (;;) {
    await board.console.write(KEYS[keys++ % KEYS.length]!).catch(() => undefined);
    await sleep(KEY_INTERVAL_MS);
    const lines = seen();
    const countdown = lines.find((l) => COUNTDOWN.test(l));
    const prompt = lines.find((l) => BOOTLOADER_PROMPT.test(l.trim()));
    const evidence = {
      keysSent: keys,
      every: `${KEY_INTERVAL_MS} ms`,
      countdown: countdown ?? 'none seen',
      tail: lines.slice(-8),
    };
    if (prompt) return fail({ ...evidence, stoppedAt: prompt });
    if (readyAt === undefined && lines.some((l) => board.profile.boot.ready.test(l) && !COUNTDOWN.test(l))) {
      readyAt = Date.now();
    }
    if (readyAt !== undefined && Date.now() - readyAt >= AFTER_READY_MS) {
      const answered = await answers(board, 'boot window: does the console read keys');
      if (answered) return pass({ ...evidence, keysReachIt: answered });
      return inconclusive(
        `it booted on past the keys, but did not show that it reads its console (${describeNoAnswer(board)}): keys that never reached it look the same`,
        evidence,
      );
    }
    if (Date.now() >= deadline) {
      if (lines.length === 0)
        return inconclusive('the board printed nothing after power-on: its console or power path is not live');
      return inconclusive(
        'the board reached neither its ready line nor a bootloader prompt within its boot deadline',
        evidence,
      );
    }
  }
}
