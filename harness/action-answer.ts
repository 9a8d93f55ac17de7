/**
 * Waiting for the answer to a command line: up to the profile's prompt, or until the board goes quiet
 * where the profile names none. A boot in between ends the wait: the board's banner (or its reset
 * reason line, where it prints no banner) after the command, or a power switch or reset the harness
 * itself made. A prompt after that is the next boot's, never this command's answer, and the wait
 * must not use it up: the boot's own follower (whose ready line may be that prompt) needs it.
 */
import type { BoardProfile } from './config/load.ts';
import type { Console } from './console/console.ts';
import { matchableText as visible } from './console/escape.ts';
import { HilError } from './errors.ts';

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
  const stop = new AbortController();
  const interrupt = (why: string) => {
    if (!stop.signal.aborted) stop.abort(`interrupted by a reset: ${why}`);
  };
  const onSwitch = () => interrupt(String(switched.reason));
  const boot = wait.acrossBoot ? undefined : (profile.boot.banner ?? profile.boot.resetReason);
  const onLine = (text: string) => {
    const line = visible(text);
    if (boot?.test(line)) interrupt(`the board began a boot ("${line.slice(0, 120)}")`);
  };
  // Lines that came while the command was being sent are looked at too.
  for (const line of console.linesSince(sent.mark)) onLine(line);
  if (switched.aborted) onSwitch();
  switched.addEventListener('abort', onSwitch, { once: true });
  console.on('line', onLine);
  let prompt = false;
  try {
    if (profile.prompt) {
      const options = { timeout: wait.timeout, step: `${wait.step}: prompt`, allowCrash: true, signal: stop.signal };
      prompt = await console.expect(profile.prompt, options).then(
        () => true,
        (error: unknown) => {
          if (!(error instanceof HilError)) throw error;
          return false;
        },
      );
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
