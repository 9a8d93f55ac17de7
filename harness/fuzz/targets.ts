/**
 * Where cases go. Each target sends one case paced as the board needs (the console waits for the
 * prompt to come back before the next line; boards with no flow control drop what they cannot
 * read) and says when the board did not become ready again within the case deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import type { Board } from '../board.ts';
import { bootMarker } from '../config/load.ts';
import { matchableText } from '../console/escape.ts';
import type { TargetKind } from './cases.ts';
import { type Finding, recoveryLine } from './monitors.ts';

/** Silence this long with no prompt: the line is not coming back by itself. */
const QUIET_MS = 250;

/** What a console target uses of a board. */
type ConsoleBoard = Pick<Board, 'console' | 'profile'>;

export interface Target {
  kind: TargetKind;
  /** Send one case; a Finding when the board did not come back from it in time. */
  send(bytes: Buffer): Promise<Finding | undefined>;
}

/**
 * A console line: CR and LF inside the case become spaces (one case is one line), the profile's line
 * ending ends it. On a console that also carries SMP, its frame markers' first bytes (06, 04) become
 * spaces too (a line the shell hands to SMP is the SMP target's work), and so do the bytes the
 * profile reserves (a REPL's mode switches).
 */
export function consoleTarget(board: ConsoleBoard, deadlineMs: number, smpShared = false): Target {
  const reserved = new Set([
    0x0a,
    0x0d,
    ...(smpShared ? [0x04, 0x06] : []),
    ...Buffer.from(board.profile.fuzz.reserved, 'latin1'),
  ]);
  const recover = recoveryLine(board);
  return {
    kind: 'console',
    async send(bytes) {
      const line = Buffer.from(bytes.map((b) => (reserved.has(b) ? 0x20 : b)));
      const prompt = board.profile.console.prompt;
      // As board.command() does, a case goes out once the prompt shows: after a restart the boot's own
      // prompt follows its ready line, and were it to come after the case, it would answer the case.
      if (prompt && !prompt.test(board.console.pendingText())) {
        await board.console
          .expect(prompt, { timeout: deadlineMs, step: 'fuzz case: prompt before it', allowCrash: true })
          .catch(() => undefined); // no prompt: the case goes anyway, and says what the board does
      }
      const mark = board.console.mark();
      await board.console.write(Buffer.concat([line, Buffer.from(board.profile.console.lineEnding, 'latin1')]));
      if (!prompt) {
        await board.console.waitQuiet(50, deadlineMs);
        return undefined;
      }
      const waitPrompt = (step: string) =>
        board.console
          .expect(prompt, { timeout: deadlineMs, step }) // a crash line ends the wait: no prompt is coming
          .then(() => true)
          .catch(() => false);
      // The prompt, or the board going quiet without one (an unclosed bracket in a REPL, a line the
      // shell took for something else): then the profile's recovery (Ctrl-C) and an empty line, which
      // bring shells and REPLs back to their prompt. A hang only if they do not.
      const prompted = waitPrompt('fuzz case: prompt');
      // The quiet wait that loses the race is called off: left, it listened on until its deadline,
      // one more listener on the port for each case.
      const quietWait = new AbortController();
      const quiet = async () => {
        for (;;) {
          const halted = board.console.haltedMs;
          await board.console.waitQuiet(QUIET_MS, deadlineMs, quietWait.signal);
          // Silence while a debugger held the core halted (coverage) is not the board's own.
          if (board.console.haltedMs === halted || quietWait.signal.aborted) return 'quiet';
        }
      };
      const first = await Promise.race([prompted.then((ok) => (ok ? 'prompt' : 'none')), quiet()]);
      quietWait.abort();
      if (first === 'prompt' || (first === 'quiet' && (await Promise.race([prompted, sleep(20, false)]))))
        return undefined;
      // A crash or a reboot answers the case, and the monitors report it. A recovery sent now would
      // land in the rebooting board's bootloader (a Ctrl-C there stops its autoboot) and wait in vain.
      if (upsetSince(board, mark)) return undefined;
      await board.console.write(recover);
      if ((await prompted) || (await waitPrompt('fuzz case: prompt after Ctrl-C'))) {
        // The prompt that came may be the case's own, late: the recovery's answer is still on its way,
        // and were it left, its prompt would answer the next case before the board read it.
        await board.console.waitQuiet(QUIET_MS, deadlineMs);
        return undefined;
      }
      return { kind: 'hang', signature: `hang: no prompt within ${deadlineMs} ms, nor after Ctrl-C` };
    },
  };
}

/** Whether a crash signature or a boot's first line came since the mark. */
function upsetSince(board: ConsoleBoard, mark: number): boolean {
  if (board.console.crashes.some((crash) => crash.index >= mark)) return true;
  const banner = bootMarker(board.profile.boot);
  return board.console.linesSince(mark).some((line) => banner.test(matchableText(line)));
}

/** SMP frames on the console: a device may drop a bad frame without a word, so silence is not a finding here. */
export function smpTarget(board: Board, deadlineMs: number): Target {
  return {
    kind: 'smp',
    async send(bytes) {
      board.console.mark();
      await board.console.write(bytes);
      await board.console.waitQuiet(10, Math.min(deadlineMs, 500));
      return undefined;
    },
  };
}

/** A TCP service the rig names: a connection per case; one refused after others worked is a finding. */
export function tcpTarget(host: string, port: number, deadlineMs: number): Target {
  return {
    kind: 'tcp',
    send: (bytes) =>
      new Promise((resolve) => {
        const socket = connect({ host, port });
        const done = (finding?: Finding) => {
          socket.destroy();
          resolve(finding);
        };
        socket.setTimeout(deadlineMs, () => done());
        socket.on('connect', () => socket.end(bytes));
        socket.on('data', () => undefined);
        socket.on('close', () => done());
        socket.on('error', (error: NodeJS.ErrnoException) =>
          done(
            error.code === 'ECONNREFUSED' ? { kind: 'dead', signature: `tcp ${port}: connection refused` } : undefined,
          ),
        );
      }),
  };
}

/** A UDP port the rig names: one datagram a case; liveness comes from the other monitors. */
export function udpTarget(host: string, port: number): Target {
  return {
    kind: 'udp',
    send: (bytes) =>
      new Promise((resolve) => {
        const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        socket.send(bytes, port, host, () => {
          socket.close();
          resolve(undefined);
        });
      }),
  };
}
