/** A QMP client on a unix socket: capabilities negotiation, one command at a time, deadlines. */
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { decodeMessage, encodeCommand, type QmpMessage } from '../wire/qmp.ts';
import { withDeadline } from '../util/deadline.ts';

const DEFAULT_TIMEOUT_MS = 5000;

export class QmpClient {
  private pending: { resolve: (m: QmpMessage) => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  readonly events: { event: string; data: unknown }[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {}

  static async connect(path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<QmpClient> {
    const socket = createConnection(path);
    const client = new QmpClient(socket, path);
    const greeting = new Promise<QmpMessage>((resolve, reject) => {
      client.pending = { resolve, reject };
      socket.once('error', (error) => reject(new Error(`QMP ${path}: ${error.message}`)));
    });
    const lines = createInterface({ input: socket });
    lines.on('line', (line) => client.onLine(line));
    // readline re-emits its input's errors: the socket's own listener reports them.
    lines.on('error', () => undefined);
    socket.on('close', () => client.pending?.reject(new Error(`QMP ${path}: QEMU closed the connection`)));
    socket.on('error', () => undefined);
    const hello = await withDeadline(greeting, timeoutMs, `QMP ${path}: no greeting`);
    if (hello.kind !== 'greeting') throw new Error(`QMP ${path}: expected a greeting, got ${hello.kind}`);
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Run a command; resolves with its return value, rejects with QEMU's error class and text. */
  execute(command: string, args?: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown> {
    const run = async () => {
      const reply = new Promise<QmpMessage>((resolve, reject) => (this.pending = { resolve, reject }));
      this.socket.write(encodeCommand(command, args));
      const message = await withDeadline(reply, timeoutMs, `QMP ${this.path}: no reply to ${command}`);
      if (message.kind === 'error') throw new Error(`QMP ${command}: ${message.errorClass}: ${message.description}`);
      if (message.kind !== 'return') throw new Error(`QMP ${command}: unexpected ${message.kind}`);
      return message.value;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** HMP through QMP, for what QMP has no command of its own for (CPU registers). */
  async humanMonitor(commandLine: string): Promise<string> {
    return String(await this.execute('human-monitor-command', { 'command-line': commandLine }));
  }

  close(): void {
    this.socket.destroy();
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let message: QmpMessage;
    try {
      message = decodeMessage(line);
    } catch (error) {
      this.pending?.reject(error as Error);
      return;
    }
    if (message.kind === 'event') {
      if (this.events.length < 100) this.events.push({ event: message.event, data: message.data });
      return;
    }
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(message);
  }
}
