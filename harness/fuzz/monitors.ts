/**
 * What watches the board during a campaign, on boofuzz's model (alive, pre-send, post-send,
 * restart, synopsis), as one small contract:
 *
 * - `preSend(index)` MAY note the state before case `index` goes out; it MUST NOT talk to the board.
 * - `postSend(index)` MUST return a Finding when what it watches shows the case made the board fail,
 *   and undefined otherwise; it MUST NOT throw for a board's failure, and SHOULD do no I/O.
 * - `alive()` (optional) SHOULD ask the board whether it still works; it MUST settle within its own
 *   deadline, and return a Finding when the board does not answer.
 * - `restarted()` MUST forget what it saw of the boot before (the harness restarted the board).
 * - `synopsis()` MUST say in one line what it watched and saw.
 * - `close()` (optional) MUST stop whatever it listens to; it is called once, when the campaign ends.
 */
import type { Board } from '../board.ts';
import { matchableText } from '../console/escape.ts';
import { bootMarker } from '../config/load.ts';

export interface Finding {
  kind: 'crash' | 'reboot' | 'hang' | 'dead' | 'port-gone';
  /** Stable across runs: what a replay must see again (a crash signature, "no prompt"). */
  signature: string;
  /** The line that showed it, when there is one (escaped). */
  line?: string;
}

export interface Monitor {
  name: string;
  preSend?(index: number): void;
  postSend(index: number): Finding | undefined;
  alive?(): Promise<Finding | undefined>;
  restarted(): void;
  synopsis(): string;
  close?(): void;
}

/**
 * The profile's crash signatures, which the console already matches on every line, but for those
 * the profile says are this firmware's answer to bad input (a REPL's Traceback).
 */
export function crashMonitor(board: Board): Monitor {
  const handled = new Set(board.profile.fuzz.handled);
  let seen = board.console.crashes.length;
  let found = 0;
  return {
    name: 'crash signatures',
    postSend() {
      const crash = board.console.crashes.slice(seen).find((c) => !handled.has(c.signature.source));
      seen = board.console.crashes.length;
      if (!crash) return undefined;
      found++;
      return {
        kind: 'crash',
        signature: `crash: ${crash.signature.source}`,
        line: matchableText(crash.line).slice(0, 200),
      };
    },
    restarted() {
      seen = board.console.crashes.length;
    },
    synopsis: () => `crash signatures: ${found} seen`,
  };
}

/** A boot banner nobody asked for: the board reset itself (a watchdog, a fault handler that reboots). */
export function rebootMonitor(board: Board): Monitor {
  let banner: string | undefined;
  let count = 0;
  const onLine = (text: string) => {
    const line = matchableText(text);
    if (bootMarker(board.profile.boot).test(line)) banner ??= line.slice(0, 200);
  };
  board.console.on('line', onLine);
  return {
    name: 'unexpected boot',
    postSend() {
      if (banner === undefined) return undefined;
      const line = banner;
      banner = undefined;
      count++;
      const reset = board.profile.boot.resetReason?.exec(line);
      return { kind: 'reboot', signature: `reboot: ${reset ? reset[0].trim() : 'boot banner'}`, line };
    },
    restarted() {
      banner = undefined;
    },
    synopsis: () => `unexpected boots: ${count}`,
    close: () => void board.console.off('line', onLine),
  };
}

/** The console's port went away (a USB device that re-enumerated: the board reset or died). */
export function portMonitor(board: Board): Monitor {
  let gone: string | undefined;
  const onGone = (why: string) => {
    gone ??= why;
  };
  board.console.on('gone', onGone);
  return {
    name: 'port',
    postSend() {
      if (gone === undefined) return undefined;
      const why = gone;
      gone = undefined;
      return { kind: 'port-gone', signature: 'port gone', line: why.slice(0, 200) };
    },
    restarted() {
      gone = undefined;
    },
    synopsis: () => 'console port watched',
    close: () => void board.console.off('gone', onGone),
  };
}

/** The profile's liveness probe (or, without one, a prompt for an empty line), every few cases. */
export function livenessMonitor(board: Board, deadlineMs: number): Monitor {
  let dead = 0;
  return {
    name: 'liveness',
    postSend: () => undefined,
    async alive() {
      if (board.profile.liveness) {
        const liveness = await board.checkAlive('fuzz liveness');
        if (liveness.alive) return undefined;
        dead++;
        return { kind: 'dead', signature: `dead: no answer to "${board.profile.liveness.send}"` };
      }
      const prompt = board.profile.prompt;
      if (!prompt) return undefined;
      board.console.mark();
      await board.console.write(Buffer.from(board.profile.lineEnding, 'latin1'));
      const back = await board.console
        .expect(prompt, { timeout: deadlineMs, step: 'fuzz liveness: prompt', allowCrash: true })
        .then(() => true)
        .catch(() => false);
      if (back) return undefined;
      dead++;
      return { kind: 'dead', signature: 'dead: no prompt for an empty line' };
    },
    restarted() {},
    synopsis: () => `liveness: ${dead} dead`,
  };
}

export function standardMonitors(board: Board, deadlineMs: number): Monitor[] {
  return [crashMonitor(board), rebootMonitor(board), portMonitor(board), livenessMonitor(board, deadlineMs)];
}
