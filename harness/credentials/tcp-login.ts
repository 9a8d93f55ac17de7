/**
 * A telnet-style login service (a camera's or router's port 23, or any line-based login): each
 * attempt on a fresh connection, since a login that works leaves a shell, not another `login:`
 * (BusyBox telnetd with `login`). The profile's prompts and answers are read from the text; after a
 * login that got in, `exit` leaves the shell, and the connection is closed without waiting long.
 * A reset, a connection the device closed before it answered, or an answer that never came is busy
 * (the password was not tested); a prompt that never came is no answer.
 */
import type { LoginDialog } from '../config/load.ts';
import { failureVerdict } from './busy.ts';
import { classify, type LoginResult, type LoginSurface } from './surface.ts';
import { TelnetSession, type Waited } from './telnet-session.ts';

/** A prompt, or the answer to a password: BusyBox's `login` takes 3 s to refuse one. */
const WAIT_MS = 6000;
/** A connection that is closing is not waited on longer than this. */
const CLOSE_MS = 500;

export class TcpLogin implements LoginSurface {
  readonly name = 'tcp';
  readonly where: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly dialog: LoginDialog,
  ) {
    this.where = `${host}:${port}`;
  }

  async attempt(user: string, password: string): Promise<LoginResult> {
    let session: TelnetSession;
    try {
      session = await TelnetSession.open(this.host, this.port, WAIT_MS);
    } catch (error) {
      return { ...failureVerdict(error), ms: 0 };
    }
    try {
      const login = await session.prompt(this.dialog.userPrompt, WAIT_MS);
      if (login !== 'done') return unprompted(session, 'login', login);
      session.send(`${user}\r\n`);
      const asked = await session.prompt(this.dialog.passwordPrompt, WAIT_MS);
      if (asked !== 'done') return unprompted(session, 'password', asked);
      const sent = Date.now();
      session.send(`${password}\r\n`);
      let verdict: ReturnType<typeof classify>;
      const answered = await session.until((text) => (verdict = classify(text, this.dialog)) !== undefined, WAIT_MS);
      const ms = Date.now() - sent;
      if (answered !== 'done' || !verdict) {
        const why = answered === 'ended' ? `the connection ${session.ended}` : `nothing within ${WAIT_MS} ms`;
        return { verdict: 'busy', ms, said: `no answer to the password: ${why}: ${session.tail()}` };
      }
      const said = session.tail();
      // Leave the shell a login that got in opened, rather than leave it to the connection's end.
      if (verdict === 'accepted') session.send('exit\r\n');
      return { verdict, ms, said };
    } finally {
      await session.close(CLOSE_MS);
    }
  }

  async close(): Promise<void> {}
}

/** A prompt that did not come: busy when the connection ended under it, no answer when nothing came. */
function unprompted(session: TelnetSession, prompt: string, waited: Waited): LoginResult {
  if (waited === 'ended')
    return {
      verdict: 'busy',
      ms: 0,
      said: `the connection ${session.ended} before the ${prompt} prompt: ${session.tail()}`,
    };
  return { verdict: 'no-answer', ms: 0, said: `no ${prompt} prompt within ${WAIT_MS} ms: ${session.tail()}` };
}
