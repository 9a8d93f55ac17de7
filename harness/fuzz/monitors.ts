/**
 * What watches the board during a campaign, on boofuzz's model (alive, pre-send, post-send,
 * restart, synopsis), as one small contract:
 *
 * - `preSend(index)` MAY note the state before case `index` goes out; it MUST NOT talk to the board.
 * - `postSend(index)` MUST return a Finding when what it watches shows the case made the board fail,
 *   and undefined otherwise; it MUST NOT throw for a board's failure, and SHOULD do no I/O.
 * - `alive()` (optional) SHOULD ask the board whether it still works; it MUST settle within its own
 *   deadline, and return a Finding when the board does not answer. What the board says in answer is
 *   the harness's own traffic, never a finding of another monitor.
 * - `pending()` (optional) SHOULD say whether it has seen the beginning of something that lines still
 *   to come will settle (a banner-like line, not yet shown to begin a boot): the caller then lets the
 *   board go quiet before it asks `postSend` again.
 * - `restarted()` MUST forget what it saw of the boot before (the harness restarted the board).
 * - `synopsis()` MUST say in one line what it watched and saw.
 * - `close()` (optional) MUST stop whatever it listens to; it is called once, when the campaign ends.
 */
import type { Board } from '../board.ts';
import { type BootSeen, BootSighting } from '../boot-sighting.ts';
import { matchableText } from '../console/escape.ts';
import { HilError } from '../util/errors.ts';
import { SmpDeviceError } from '../update/smp-client.ts';
import type { TargetKind } from './cases.ts';

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
  pending?(): boolean;
  restarted(): void;
  synopsis(): string;
  close?(): void;
}

/**
 * The profile's crash signatures, which the console already matches on every line, but for those
 * the profile says are this firmware's answer to bad input (a REPL's Traceback).
 */
export function crashMonitor(board: Board): Monitor {
  const handled = new Set(board.profile.fuzz.handled.map((pattern) => pattern.source));
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

/**
 * A boot nobody asked for: the board reset itself (a watchdog, a fault handler that reboots). A boot,
 * not one line (see BootSighting): a banner-like line the board printed in answer to a case is not a
 * reset, nor is one that answered the harness's own liveness probe (`answered`).
 */
export function rebootMonitor(board: Board): Monitor & { answered(index: number): void } {
  const sighting = new BootSighting(board.profile.boot);
  let boot: BootSeen | undefined;
  let count = 0;
  const onLine = (text: string, index: number) => {
    const seen = sighting.line(matchableText(text), index);
    boot ??= seen;
  };
  board.console.on('line', onLine);
  // The unfinished line: the boot's ready line, or the shell's prompt after an answer that looked like a banner.
  const look = () => {
    boot ??= sighting.partial(board.console.pendingText(), board.profile.console.prompt);
  };
  return {
    name: 'unexpected boot',
    postSend() {
      look();
      if (boot === undefined) return undefined;
      const { start, by } = boot;
      boot = undefined;
      count++;
      const resetReason = board.profile.boot.resetReason;
      const reset = resetReason ? (resetReason.exec(start) ?? resetReason.exec(by)) : null;
      return {
        kind: 'reboot',
        signature: `reboot: ${reset ? reset[0].trim() : 'boot banner'}`,
        line: start.slice(0, 200),
      };
    },
    pending() {
      look();
      return sighting.pending !== undefined;
    },
    answered: (index) => sighting.answered(index),
    restarted() {
      boot = undefined;
      sighting.forget();
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

/** How the harness asks a board whether it lives during a campaign on a target. */
export type AskingWay = 'liveness probe' | 'prompt' | 'SMP echo';

/**
 * The profile's liveness probe, else its prompt (an empty line brings it back), else, on the SMP
 * target, an mcumgr echo; undefined when the board gives none of them to ask it with.
 */
export function askingWay(board: Board, target: TargetKind): AskingWay | undefined {
  if (board.profile.liveness) return 'liveness probe';
  if (board.profile.console.prompt) return 'prompt';
  if (target === 'smp' && board.rollback?.path === 'smp') return 'SMP echo';
  return undefined;
}

/** Why a campaign on `target` cannot ask the board whether it lives. */
export function cannotAsk(target: TargetKind): string {
  const smp = target === 'smp' ? ', and no SMP echo answers' : '';
  return `no way to ask the board whether it lives: the profile names no prompt and no liveness probe${smp}, so a board that went silent would pass`;
}

/** The profile's recovery (Ctrl-C by default) as a line: what brings the console back to its prompt. */
export function recoveryLine(board: Pick<Board, 'profile'>): Buffer {
  return Buffer.from(`${board.profile.fuzz.recover}${board.profile.console.lineEnding}`, 'latin1');
}

/** Every few cases, the board asked whether it lives (askingWay); the answer is the harness's own traffic. */
export function livenessMonitor(
  board: Board,
  deadlineMs: number,
  way: AskingWay | undefined,
  answered: (index: number) => void,
): Monitor {
  let asked = 0;
  let dead = 0;
  const recover = recoveryLine(board);
  const ask = async (): Promise<string | undefined> => {
    if (way === 'liveness probe') {
      const liveness = await board.checkAlive('fuzz liveness');
      if (liveness.answerIndex !== undefined) answered(liveness.answerIndex);
      return liveness.alive ? undefined : `dead: no answer to "${board.profile.liveness!.send}"`;
    }
    if (way === 'prompt') {
      board.console.mark();
      await board.console.write(Buffer.from(board.profile.console.lineEnding, 'latin1'));
      const back = await board.console
        .expect(board.profile.console.prompt!, { timeout: deadlineMs, step: 'fuzz liveness: prompt', allowCrash: true })
        .then(() => true)
        .catch(() => false);
      return back ? undefined : 'dead: no prompt for an empty line';
    }
    // A newline first: a case may have left a frame unfinished, which would swallow the echo's.
    await board.console.write(Buffer.from('\n', 'latin1'));
    // An SMP error answers too: the device's SMP server read the request.
    const echoed = await board.smp.echo('hil', 'fuzz liveness: SMP echo').then(
      () => true,
      (error: unknown) => {
        if (error instanceof SmpDeviceError) return true;
        if (error instanceof HilError) return false;
        throw error;
      },
    );
    return echoed ? undefined : 'dead: no answer to an SMP echo';
  };
  return {
    name: 'liveness',
    postSend: () => undefined,
    async alive() {
      if (way === undefined) return undefined;
      asked++;
      let signature = await ask();
      if (signature !== undefined && way !== 'SMP echo') {
        // As a hang is called only when the recovery brings no prompt either, death is: a console left
        // in a state the question does not get through (MicroPython raises KeyboardInterrupt in the
        // statement after a line of NUL; a line of tabs completes names) is asked again after it.
        await board.console.write(recover);
        signature = await ask();
      }
      if (signature === undefined) return undefined;
      dead++;
      return { kind: 'dead', signature };
    },
    restarted() {},
    synopsis: () => (way ? `liveness (${way}): asked ${asked} times, ${dead} dead` : 'liveness: no way to ask'),
  };
}

export function standardMonitors(board: Board, deadlineMs: number, target: TargetKind): Monitor[] {
  const reboot = rebootMonitor(board);
  const liveness = livenessMonitor(board, deadlineMs, askingWay(board, target), reboot.answered);
  return [crashMonitor(board), reboot, portMonitor(board), liveness];
}
