/**
 * A telnet-style login service (a camera's or router's port 23, or any line-based login): options
 * refused as a plain-text client does, then the profile's prompts and answers read from the text.
 * One connection serves attempt after attempt, as such services loop on `login:`; a service that
 * hangs up is reconnected. Text kept is bounded, every wait has a deadline.
 */
import type { Socket } from 'node:net';
import type { LoginDialog } from '../config/load.ts';
import { matchableText } from '../console/escape.ts';
import { connectTcp } from '../tcp.ts';
import { TelnetDecoder } from '../wire/telnet.ts';
import { classify, type LoginResult, type LoginSurface } from './surface.ts';

const WAIT_MS = 3000;
const MAX_TEXT = 8192;

export class TcpLogin implements LoginSurface {
  readonly name = 'tcp';
  readonly where: string;
  private socket: Socket | undefined;
  private text = '';
  private changed: (() => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly dialog: LoginDialog,
  ) {
    this.where = `${host}:${port}`;
  }

  async attempt(user: string, password: string): Promise<LoginResult> {
    if (!(await this.waitFor(this.dialog.userPrompt, true)))
      return { verdict: 'no-answer', ms: 0, said: `no login prompt: ${this.tail()}` };
    this.send(`${user}\r\n`);
    if (!(await this.waitFor(this.dialog.passwordPrompt)))
      return { verdict: 'no-answer', ms: 0, said: `no password prompt: ${this.tail()}` };
    const sent = Date.now();
    this.send(`${password}\r\n`);
    const answers = this.dialog;
    let verdict: LoginResult['verdict'] | undefined;
    await this.until(() => (verdict = classify(this.text, answers)) !== undefined);
    const said = this.tail();
    return { verdict: verdict ?? 'no-answer', ms: Date.now() - sent, said };
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Wait for a prompt in what arrived since the last one; the text is consumed up to it. */
  private async waitFor(prompt: RegExp, connect = false): Promise<boolean> {
    if (connect && !this.socket) await this.connect();
    let end = -1;
    await this.until(() => {
      const m = new RegExp(prompt.source, 'gm').exec(this.text.replace(/\r/g, ''));
      return m !== null && (end = m.index + m[0].length) >= 0;
    });
    if (end < 0) return false;
    this.text = this.text.replace(/\r/g, '').slice(end);
    return true;
  }

  private until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, WAIT_MS);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      const check = () => {
        if (done()) {
          this.changed = undefined;
          finish();
        }
      };
      this.changed = check;
      check();
    });
  }

  private async connect(): Promise<void> {
    const socket = await connectTcp(this.host, this.port, WAIT_MS);
    const telnet = new TelnetDecoder();
    this.text = '';
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    socket.on('data', (chunk: Buffer) => {
      const { data, reply } = telnet.push(chunk);
      if (reply.length > 0) socket.write(reply);
      this.text = (this.text + data.toString('latin1')).slice(-MAX_TEXT);
      this.changed?.();
    });
    this.socket = socket;
  }

  private send(text: string): void {
    this.socket?.write(Buffer.from(text, 'utf8'));
  }

  private tail(): string {
    return matchableText(this.text.slice(-200)).trim();
  }
}
