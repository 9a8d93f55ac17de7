/**
 * The dialogue with a board's shell: command lines sent paced (after the prompt, where the profile
 * names one: boards with no flow control lose input sent before they are ready for it), the answer
 * collected up to the next prompt, and the profile's actions filled from their templates. An answer
 * still awaited when the harness switches the power or resets the board is not coming (interrupt()).
 */
import { type ActionAnswer, type AnswerWait, awaitAnswer } from '../action-answer.ts';
import type { BoardProfile } from '../config/load.ts';
import type { Console } from '../console/console.ts';
import { HilError } from '../util/errors.ts';

const ACTION_DEADLINE_MS = 5000;

export class Shell {
  /** Aborted (and renewed) as the harness switches the power or resets: an answer awaited then is not coming. */
  private switched = new AbortController();

  constructor(
    private readonly console: Console,
    private readonly profile: BoardProfile,
  ) {}

  hasAction(name: string): boolean {
    return this.profile.actions[name] !== undefined;
  }

  /**
   * Run one of the profile's actions: fill its template (`tlsprobe {host} {port}`), send it paced,
   * and collect the answer up to the next prompt.
   */
  async action(
    name: string,
    values: Record<string, string | number>,
    options: Partial<Omit<AnswerWait, 'step'>> = {},
  ): Promise<ActionAnswer> {
    const template = this.profile.actions[name];
    const step = `action ${name}`;
    if (template === undefined) throw this.failure(step, `an action "${name}" in the profile`, 'none');
    const sent = template.replace(/\{([a-z][a-z0-9-]*)\}/g, (_whole, key: string) => {
      const value = values[key];
      if (value === undefined)
        throw this.failure(step, `a value for {${key}}`, `only ${Object.keys(values).join(', ')}`);
      if (/[\r\n]/.test(String(value))) throw this.failure(step, `{${key}} on one line`, JSON.stringify(value));
      return String(value);
    });
    return this.ask(sent, { ...options, step, timeout: options.timeout ?? ACTION_DEADLINE_MS });
  }

  /**
   * Send one line, paced (see command()), and collect the answer up to the next prompt, or until
   * the board goes quiet where the profile names no prompt; a boot in between interrupts it (see
   * action-answer.ts). For lines that are not one of the profile's actions (a `help`).
   */
  async ask(sent: string, wait: AnswerWait): Promise<ActionAnswer> {
    const mark = await this.command(sent, wait.step, wait.timeout);
    return awaitAnswer(this.console, this.profile, { text: sent, mark }, wait, this.switched.signal);
  }

  /** A power switch or reset of the harness's own: answers still awaited will not come. */
  interrupt(why: string): void {
    this.switched.abort(why);
    this.switched = new AbortController();
  }

  /**
   * Send one command line. Where the profile names a prompt, wait for it first: boards with no flow
   * control lose input sent before they are ready for it. Returns the console mark taken just
   * before sending, from which the answer can be read.
   */
  async command(text: string, step: string, timeout = 5000): Promise<number> {
    const prompt = this.profile.console.prompt;
    const pending = this.console.pendingText();
    if (prompt && !prompt.test(pending) && !(pending === '' && this.console.atPrompt(prompt))) {
      try {
        await this.console.expect(prompt, { timeout: timeout / 2, step: `${step}: prompt` });
      } catch (error) {
        if (!(error instanceof HilError)) throw error;
        // The prompt went by before we listened (a board that was already up): press Enter for a new one.
        await this.console.write(Buffer.from(this.profile.console.lineEnding, 'latin1'));
        await this.console.expect(prompt, { timeout: timeout / 2, step: `${step}: prompt after Enter` });
      }
    }
    const mark = this.console.mark();
    await this.console.send(text);
    return mark;
  }

  private failure(step: string, expected: string, seen: string): HilError {
    return this.console.failure(step, expected, seen);
  }
}
