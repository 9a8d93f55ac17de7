/**
 * A serial port (a real TTY, a USB adapter, a PTY) through `serialport`. When the port disappears
 * it says so, watches for it to come back (by path, or by USB identity through `locate`), and
 * reopens it; the console above keeps one continuous log across the gap.
 */
import { EventEmitter } from 'node:events';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { SerialPort } from 'serialport';
import type { ByteTransport, TransportEvents } from './transport.ts';
import { withDeadline } from '../util/deadline.ts';

export interface SerialOptions {
  /** Where the port is now; undefined while it is absent (a USB identity not enumerated). */
  locate: () => string | undefined;
  baud: number;
  description: string;
  /** How long open() waits for the port to appear. */
  openDeadlineMs?: number;
}

/** Reopen attempts also run on a timer, because a directory watch can miss a re-created link. */
const REOPEN_RETRY_MS = 200;
const WRITE_DEADLINE_MS = 5000;
/** A read shorter than this is handed on in its own callback (see `received`). */
const SHORT_READ = 512;

export class SerialTransport extends EventEmitter<TransportEvents> implements ByteTransport {
  readonly description: string;
  private port: SerialPort | undefined;
  private closing = false;
  private paused = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private reopening = false;
  private lastPath: string | undefined;
  private watcher: FSWatcher | undefined;
  private nodeWatcher: FSWatcher | undefined;
  /** Chunks read and not yet handed on (see `received`). */
  private queued: Buffer[] = [];

  constructor(private readonly options: SerialOptions) {
    super();
    this.description = options.description;
  }

  async open(): Promise<void> {
    const deadline = Date.now() + (this.options.openDeadlineMs ?? 5000);
    let lastError = 'not found';
    for (;;) {
      const path = this.options.locate();
      if (path) {
        try {
          await this.openAt(path);
          return;
        } catch (error) {
          lastError = (error as Error).message;
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(`cannot open ${this.description}: ${lastError}`);
      }
      await this.waitForChange(path, deadline - Date.now());
    }
  }

  async write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`${this.description} is not open (port gone)`);
    // Done once the OS has the bytes (the write callback): waiting for tcdrain as well added a
    // thread-pool round trip to every command, and the UART sends them in order either way.
    const written = new Promise<void>((resolve, reject) =>
      port.write(data, (error) => (error ? reject(error) : resolve())),
    );
    // A port nobody reads (no flow control, a full PTY) would otherwise block the caller forever.
    await withDeadline(written, WRITE_DEADLINE_MS, `${this.description}: ${data.length} bytes not written`);
  }

  async setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`${this.description} is not open (port gone)`);
    await new Promise<void>((resolve, reject) =>
      port.set(signals, (error) =>
        error ? reject(new Error(`${this.description} cannot set DTR/RTS: ${error.message}`)) : resolve(),
      ),
    );
  }

  pause(): void {
    this.paused = true;
    this.port?.pause();
  }

  resume(): void {
    this.paused = false;
    this.port?.resume();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopWatching();
    this.nodeWatcher?.close();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.handOn(); // the last bytes read, before the caller closes its log
  }

  private async openAt(path: string): Promise<void> {
    const port = new SerialPort({ path, baudRate: this.options.baud, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    if (this.closing) {
      port.close(() => undefined);
      return;
    }
    this.port = port;
    this.lastPath = path;
    port.on('data', (chunk: Buffer) => this.received(chunk));
    port.on('error', (error: Error) => this.lost(port, error.message));
    port.on('close', () => this.lost(port, 'port closed'));
    if (this.paused) port.pause();
    this.watchNode(port, path);
  }

  /**
   * A read on a hung-up TTY does not always fail (serialport retries reads that return 0 bytes),
   * so the device node itself is watched too: removed or replaced means the port is gone.
   */
  private watchNode(port: SerialPort, path: string): void {
    const device = nodeId(path);
    try {
      this.nodeWatcher?.close();
      this.nodeWatcher = watch(dirname(path), (_event, file) => {
        if (file !== basename(path) || this.port !== port) return;
        if (nodeId(path) !== device) this.lost(port, 'device node removed');
      });
    } catch {
      this.nodeWatcher = undefined; // no watchable directory: rely on the port's own errors
    }
  }

  /**
   * A chunk is handed on in the event loop's next check phase, not inside the read's callback: the
   * port issues its next read as soon as the callback returns, so the board's next bytes are read
   * (in the thread pool) while this chunk is logged and split into lines. Handled inside the
   * callback, every chunk's work was added to the read cycle (4 KiB reads from a PTY, about 0.1 ms
   * each); chunks that arrive meanwhile go on together. A short read with nothing queued before it
   * (an answer, a prompt: what a round trip waits for) goes on at once: the wait for the check phase
   * was a tenth of a console round trip (perf/console-rtt), and a flood reads in long chunks.
   */
  private received(chunk: Buffer): void {
    if (this.queued.length === 0 && chunk.length < SHORT_READ) {
      this.emit('data', chunk);
      return;
    }
    this.queued.push(chunk);
    if (this.queued.length === 1) setImmediate(() => this.handOn());
  }

  private handOn(): void {
    if (this.queued.length === 0) return;
    const chunks = this.queued;
    this.queued = [];
    this.emit('data', chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  }

  private lost(port: SerialPort, why: string): void {
    if (this.closing || this.port !== port) return;
    this.handOn(); // what the board sent before it went
    this.port = undefined;
    this.nodeWatcher?.close();
    this.nodeWatcher = undefined;
    if (port.isOpen) port.close(() => undefined);
    this.emit('gone', `${this.description} gone: ${why}`);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closing) return;
    this.retryTimer ??= setInterval(() => void this.tryReopen(), REOPEN_RETRY_MS);
    if (!this.watcher && this.lastPath) {
      const wanted = basename(this.lastPath);
      try {
        this.watcher = watch(dirname(this.lastPath), (_event, file) => {
          if (file === wanted) void this.tryReopen();
        });
      } catch {
        // The directory itself is gone; the retry timer carries on.
      }
    }
    void this.tryReopen();
  }

  private async tryReopen(): Promise<void> {
    if (this.closing || this.port || this.reopening) return;
    const path = this.options.locate();
    if (!path) return;
    this.reopening = true;
    try {
      await this.openAt(path);
      this.stopWatching();
      this.emit('back', `${this.description} reopened at ${path}`);
    } catch {
      // Not back yet (the link exists before its PTY accepts opens); the next event or tick retries.
    } finally {
      this.reopening = false;
    }
  }

  private stopWatching(): void {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private waitForChange(path: string | undefined, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(REOPEN_RETRY_MS, Math.max(ms, 0)));
      let watcher: FSWatcher | undefined;
      try {
        if (path) watcher = watch(dirname(path), done);
      } catch {
        watcher = undefined;
      }
      function done() {
        clearTimeout(timer);
        watcher?.close();
        resolve();
      }
    });
  }
}

/** Which device a path leads to now (following links), or undefined when it leads nowhere. */
function nodeId(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}:${stat.rdev}`;
  } catch {
    return undefined;
  }
}
