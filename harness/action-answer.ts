/**
 * Waiting for the answer to a command line: up to the profile's prompt, or until the board goes quiet
 * where the profile names none. A boot in between ends the wait: the board's banner (or its reset
 * reason line, where it prints no banner) after the command, shown to begin a boot by the boot's next
 * line (see BootSighting), or a power switch or reset the harness itself made. A banner-like line the
 * command printed (a `version` that repeats the bootloader's first line) is its answer, not a boot.
 * A prompt after a boot is the next boot's, never this command's answer, and the wait must not use it
 * up: the boot's own follower (whose ready line may be that prompt) needs it.
 */
import { BootSighting } from './boot-sighting.ts';
import type { BoardProfile } from './config/load.ts';
import type { Console } from './console/console.ts';
import { matchableText as visible } from './console/escape.ts';
import { deadlineTimer } from './util/deadline.ts';
import { HilError } from './util/errors.ts';

export interface ActionAnswer {
  sent: string;
  /** What the board printed from the command to its next prompt (or the deadline). */
  lines: string[];
  /** Whether the prompt came back within the deadline. */
  prompt: boolean;
  /** Why the wait ended before any answer could come: a boot began under it ("interrupted by a reset: ..."). */
  interrupted?: string;
}

export interface AnswerWait {
  step: string;
  timeout: number;
  /** The answer runs on through a restart the command makes (an OTA): its boot does not end the wait. */
  acrossBoot?: boolean;
}

/** Without a prompt to wait for, an answer is what arrives before the board goes quiet this long. */
const ANSWER_QUIET_MS = 300;

export async function awaitAnswer(
  console: Console,
  profile: BoardProfile,
  sent: { text: string; mark: number },
  wait: AnswerWait,
  /** Aborted when the harness switches the board's power or resets it (Board's). */
  switched: AbortSignal,
): Promise<ActionAnswer> {
  const deadline = Date.now() + wait.timeout;
  const stop = new AbortController();
  const interrupt = (why: string) => {
    if (!stop.signal.aborted) stop.abort(`interrupted by a reset: ${why}`);
  };
  const onSwitch = () => interrupt(String(switched.reason));
  const boots = !wait.acrossBoot && (profile.boot.banner ?? profile.boot.resetReason) !== undefined;
  const sighting = boots ? new BootSighting(profile.boot) : undefined;
  /** Aborted at a banner-like line: the prompt is not taken until it is known whose it is. */
  let hold = new AbortController();
  const onLine = (text: string, index: number) => {
    const boot = sighting?.line(visible(text), index);
    if (boot) interrupt(`the board began a boot ("${boot.start.slice(0, 120)}")`);
    else if (sighting?.pending !== undefined) hold.abort();
  };
  // Lines that came while the command was being sent are looked at too.
  const early = console.linesSince(sent.mark);
  const first = console.lineCount - early.length;
  for (const [i, line] of early.entries()) onLine(line, first + i);
  if (switched.aborted) onSwitch();
  switched.addEventListener('abort', onSwitch, { once: true });
  console.on('line', onLine);
  let prompt = false;
  try {
    if (profile.console.prompt) {
      const remaining = () => Math.max(1, deadline - Date.now());
      while (!stop.signal.aborted && Date.now() < deadline) {
        if (sighting?.pending !== undefined) {
          // Whose is the prompt after a banner-like line: the boot's (its ready line), or the command's answer's.
          const shown = await promptShown(console, profile.console.prompt, remaining(), stop.signal);
          const boot = shown ? sighting.partial(console.pendingText(), profile.console.prompt) : undefined;
          if (boot) interrupt(`the board began a boot ("${boot.start.slice(0, 120)}")`);
          if (!shown || stop.signal.aborted) break;
        }
        hold = new AbortController();
        const signal = AbortSignal.any([stop.signal, hold.signal]);
        const options = { timeout: remaining(), step: `${wait.step}: prompt`, allowCrash: true, signal };
        const outcome = await console.expect(profile.console.prompt, options).then(
          () => 'prompt' as const,
          (error: unknown) => {
            if (!(error instanceof HilError)) throw error;
            return signal.aborted ? ('called off' as const) : ('deadline' as const);
          },
        );
        if (outcome === 'prompt') prompt = true;
        if (outcome !== 'called off') break;
      }
    } else {
      await console.waitQuiet(ANSWER_QUIET_MS, wait.timeout, stop.signal);
    }
  } finally {
    switched.removeEventListener('abort', onSwitch);
    console.off('line', onLine);
  }
  const lines = console.linesSince(sent.mark).map(visible);
  // A prompt that won the race with the interruption was this command's answer.
  return stop.signal.aborted && !prompt
    ? { sent: sent.text, lines, prompt, interrupted: String(stop.signal.reason) }
    : { sent: sent.text, lines, prompt };
}

const promptPending = (console: Console, prompt: RegExp) => prompt.test(console.pendingText());

/**
 * Until the prompt shows on the unfinished line, looked at and not taken (true), or the deadline or
 * `signal` comes first (false).
 */
function promptShown(console: Console, prompt: RegExp, timeout: number, signal: AbortSignal): Promise<boolean> {
  if (promptPending(console, prompt)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (shown: boolean) => {
      timer.clear();
      unlisten();
      signal.removeEventListener('abort', onAbort);
      resolve(shown);
    };
    const onAbort = () => done(false);
    const timer = deadlineTimer(timeout, () => done(false));
    const unlisten = console.onBytes(() => {
      if (promptPending(console, prompt)) done(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
