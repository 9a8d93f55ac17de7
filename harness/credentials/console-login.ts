/**
 * Logging in on a board's console the way a person at a USB-UART does: the profile's command that
 * brings up the login (if any), the user name at its prompt, the password at its prompt (sent so
 * that the console log keeps `***`, never the bytes), then the device's answer. Every wait has a
 * deadline; the console API waits for the prompts, so no suite handles raw bytes for a login. An
 * answer that never came is busy: the password was not shown tested.
 */
import type { Board } from '../board.ts';
import type { LoginDialog } from '../config/load.ts';
import { HilError } from '../util/errors.ts';
import { classify, type LoginResult, type LoginSurface } from './surface.ts';

const PROMPT_MS = 3000;
/** BusyBox's `login` takes 3 s to refuse a password. */
const ANSWER_MS = 6000;

export class ConsoleLogin implements LoginSurface {
  readonly name = 'console';
  readonly where: string;

  constructor(
    private readonly board: Board,
    private readonly dialog: LoginDialog & { start?: string },
  ) {
    this.where = `${board.name} console`;
  }

  async attempt(user: string, password: string): Promise<LoginResult> {
    const { board, dialog } = this;
    const console = board.console;
    const ending = board.profile.console.lineEnding;
    const step = 'console login';
    const mark = dialog.start ? await board.command(dialog.start, step) : console.mark();
    try {
      await console.expect(dialog.userPrompt, { timeout: PROMPT_MS, step: `${step}: user prompt`, since: mark });
      await console.write(Buffer.from(`${user}${ending}`, 'latin1'));
      await console.expect(dialog.passwordPrompt, { timeout: PROMPT_MS, step: `${step}: password prompt` });
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      return { verdict: 'no-answer', ms: 0, said: `no login prompt: ${error.detail.seen}` };
    }
    const sent = Date.now();
    await console.writeSecret(Buffer.from(`${password}${ending}`, 'utf8'));
    const answers = new RegExp(
      [dialog.accepted, dialog.refused, ...(dialog.locked ? [dialog.locked] : [])]
        .map((p) => `(?:${p.source})`)
        .join('|'),
      'm',
    );
    try {
      const answer = await console.expect(answers, { timeout: ANSWER_MS, step: `${step}: answer` });
      return { verdict: classify(answer.line, dialog) ?? 'refused', ms: Date.now() - sent, said: answer.line };
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      return { verdict: 'busy', ms: Date.now() - sent, said: `no answer to the password: ${error.detail.seen}` };
    }
  }

  async close(): Promise<void> {}
}
