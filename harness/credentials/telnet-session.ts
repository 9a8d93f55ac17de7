/**
 * One telnet-style connection to a login service, for one attempt: every option refused as a
 * plain-text client does, the text that came since the last prompt kept (bounded), every wait with a
 * deadline, and why the connection ended (reset, or closed by the device) when it did. Closing does
 * not wait long on a peer that is slow to hang up.
 */
import type { Socket } from 'node:net';
import { matchableText } from '../console/escape.ts';
import { deadlineTimer } from '../util/deadline.ts';
import { connectTcp } from '../util/tcp.ts';
import { TelnetDecoder } from '../wire/telnet.ts';

const MAX_TEXT = 8192;

export type Waited = 'done' | 'timeout' | 'ended';

export class TelnetSession {
  /** What came since the last prompt, carriage returns dropped. */
  private text = '';
  private changed: (() => void) | undefined;
  /** How the connection ended, once it has. */
  ended: string | undefined;

  private constructor(private readonly socket: Socket) {
    const telnet = new TelnetDecoder();
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.ended ??= error.code === 'ECONNRESET' ? 'was reset' : `failed (${error.message})`;
    });
    socket.on('close', () => {
      this.ended ??= 'was closed by the device';
      this.changed?.();
    });
    socket.on('data', (chunk: Buffer) => {
      const { data, reply } = telnet.push(chunk);
      if (reply.length > 0) socket.write(reply);
      this.text = (this.text + data.toString('latin1').replace(/\r/g, '')).slice(-MAX_TEXT);
      this.changed?.();
    });
  }

  /** Connected, or the connection's error (its cause says refused, reset or timed out). */
  static async open(host: string, port: number, timeoutMs: number): Promise<TelnetSession> {
    return new TelnetSession(await connectTcp(host, port, timeoutMs));
  }

  /** Wait for a prompt; what came up to its end is consumed. */
  async prompt(prompt: RegExp, timeoutMs: number): Promise<Waited> {
    let end = -1;
    const waited = await this.until(() => {
      const m = new RegExp(prompt.source, 'gm').exec(this.text);
      if (m) end = m.index + m[0].length;
      return m !== null;
    }, timeoutMs);
    if (waited === 'done') this.text = this.text.slice(end);
    return waited;
  }

  /** Wait until `done` holds for the text since the last prompt. */
  until(done: (text: string) => boolean, timeoutMs: number): Promise<Waited> {
    return new Promise((resolve) => {
      const finish = (how: Waited) => {
        deadline.clear();
        this.changed = undefined;
        resolve(how);
      };
      const deadline = deadlineTimer(timeoutMs, () => finish('timeout'));
      this.changed = () => {
        if (done(this.text)) finish('done');
        else if (this.ended) finish('ended');
      };
      this.changed();
    });
  }

  send(text: string): void {
    if (!this.ended) this.socket.write(Buffer.from(text, 'utf8'));
  }

  /** The end of what came since the last prompt, as text for evidence. */
  tail(): string {
    return matchableText(this.text.slice(-200)).trim();
  }

  /** Hang up: our end first, then the device's within `boundMs`, or the connection is dropped. */
  async close(boundMs: number): Promise<void> {
    if (!this.socket.destroyed) {
      const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
      this.socket.end();
      let deadline: { clear(): void } | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (deadline = deadlineTimer(boundMs, resolve)))]);
      deadline?.clear();
    }
    this.socket.destroy();
  }
}
