/**
 * Request/response over a byte stream to an instrument: write a command, read a reply that ends
 * with a terminator (SCPI) or, for instruments with no terminator (Korad), a fixed length or a
 * quiet gap. Every read has a deadline; replies are bounded.
 */
import type { ByteStream } from '../util/serial-stream.ts';
import { deadlineTimer } from '../util/deadline.ts';

const MAX_REPLY = 4096;

export interface ReplyRule {
  /** A reply ends at this byte sequence (removed from the result)... */
  terminator?: string;
  /** ...or after this many bytes... */
  length?: number;
  /** ...or when the instrument has been quiet this long after the first byte... */
  quietMs?: number;
  /** ...or at the length the reply's own first bytes give (Modbus RTU), once they are in. */
  lengthOf?: (received: Buffer) => number | undefined;
  timeoutMs: number;
}

export class LineLink {
  private buffer = '';
  private waiting: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stream: ByteStream,
    readonly description: string,
  ) {
    stream.onData((chunk) => {
      this.buffer = (this.buffer + chunk.toString('latin1')).slice(-MAX_REPLY);
      this.waiting?.();
    });
  }

  /** Send a command that has no reply. */
  send(command: string): Promise<void> {
    return this.serial(() => this.stream.write(Buffer.from(command, 'latin1')));
  }

  /** Send a query and read its reply. */
  query(command: string, rule: ReplyRule): Promise<string> {
    return this.serial(async () => {
      this.buffer = '';
      await this.stream.write(Buffer.from(command, 'latin1'));
      return this.readReply(command, rule);
    });
  }

  close(): Promise<void> {
    return this.stream.close();
  }

  /** One exchange at a time: an instrument answers queries in order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private readReply(command: string, rule: ReplyRule): Promise<string> {
    return new Promise((resolve, reject) => {
      let quietTimer: NodeJS.Timeout | undefined;
      const finish = (outcome: string | Error) => {
        deadline.clear();
        clearTimeout(quietTimer);
        this.waiting = undefined;
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const deadline = deadlineTimer(rule.timeoutMs, () => {
        finish(
          new Error(
            `${this.description}: no reply to ${JSON.stringify(command.trim())} within ${rule.timeoutMs} ms (got ${JSON.stringify(this.buffer)})`,
          ),
        );
      });
      const check = () => {
        if (rule.terminator) {
          const end = this.buffer.indexOf(rule.terminator);
          if (end !== -1) {
            const reply = this.buffer.slice(0, end);
            this.buffer = this.buffer.slice(end + rule.terminator.length);
            return finish(reply.replace(/\r$/, ''));
          }
        }
        const length = rule.length ?? rule.lengthOf?.(Buffer.from(this.buffer, 'latin1'));
        if (length !== undefined && this.buffer.length >= length) {
          const reply = this.buffer.slice(0, length);
          this.buffer = this.buffer.slice(length);
          return finish(reply);
        }
        if (rule.quietMs !== undefined && this.buffer.length > 0) {
          clearTimeout(quietTimer);
          quietTimer = setTimeout(() => {
            const reply = this.buffer;
            this.buffer = '';
            finish(reply);
          }, rule.quietMs);
        }
      };
      this.waiting = check;
      check();
    });
  }
}
