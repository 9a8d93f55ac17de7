/**
 * The process's one readable-log thread (log-writer.ts), shared by every console log in it. One,
 * started once: a thread's start (20 ms compiled, 50 under a TypeScript loader) beside a console that
 * has just opened put milliseconds into its first crash detections (perf/crash-latency), so suite
 * processes start it while they wait for their go (warmLogThread). It keeps a process alive only
 * while some text is still to be written.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Where the writer is: beside this file, as `.ts` under a TypeScript loader, `.js` once compiled. */
const WRITER = new URL(`./log-writer${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function startWriter(): Worker {
  if (WRITER.pathname.endsWith('.js')) return new Worker(WRITER);
  // From the TypeScript sources (tests, benchmarks, a suite run under tsx): in Node 20 a loader's
  // hooks do not reach a worker thread, so the thread registers tsx itself, then loads the writer.
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `(async () => { (await import(${JSON.stringify(tsx)})).register(); await import(${JSON.stringify(WRITER.href)}); })()`;
  return new Worker(code, { eval: true });
}

/** What one log hears back: records written (by size), its end, or why it stopped. */
export interface LogSink {
  acked(size: number): void;
  failed(error: Error): void;
}

export type WriterReply =
  | { id: number; acked: number }
  | { id: number; ended: true }
  | { id: number; failed: string }
  | { ready: true };
export type WriterRequest =
  | { op: 'open'; id: number; path: string }
  | { op: 'text'; id: number; records: Uint8Array }
  | { op: 'end'; id: number };

/** One log on the thread: who hears back, batches not yet acknowledged, and its end when asked for. */
interface OpenLog {
  sink: LogSink;
  unacked: number;
  ended?: () => void;
}

class LogThread {
  private readonly worker = startWriter();
  private readonly logs = new Map<number, OpenLog>();
  private nextId = 1;
  private failure: Error | undefined;
  private held = false;
  private onReady: (() => void) | undefined;
  /** Resolves once the thread has loaded and listens (or has failed). */
  readonly ready = new Promise<void>((resolve) => (this.onReady = resolve));

  constructor() {
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => {
      if ('ready' in reply) this.onReady?.();
      else if ('acked' in reply) this.acked(reply.id, reply.acked);
      else if ('failed' in reply) this.fail(reply.id, new Error(reply.failed));
      else this.finish(reply.id);
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      this.onReady?.();
      for (const id of [...this.logs.keys()]) this.fail(id, error);
    });
  }

  open(path: string, sink: LogSink): number {
    const id = this.nextId++;
    this.logs.set(id, { sink, unacked: 0 });
    if (this.failure) this.fail(id, this.failure);
    else this.send({ op: 'open', id, path });
    return id;
  }

  /** Records for log `id`, in memory of their own (moved to the thread, not copied). */
  text(id: number, records: Buffer): void {
    const log = this.logs.get(id);
    if (!log) return;
    log.unacked++;
    this.hold();
    this.send({ op: 'text', id, records }, [records.buffer as ArrayBuffer]);
  }

  /** Resolves once the log's last text is in its file and the file is closed (or the log failed). */
  end(id: number): Promise<void> {
    const log = this.logs.get(id);
    if (!log) return Promise.resolve();
    const ended = new Promise<void>((resolve) => (log.ended = resolve));
    this.hold();
    this.send({ op: 'end', id });
    return ended;
  }

  private send(request: WriterRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  private acked(id: number, size: number): void {
    const log = this.logs.get(id);
    if (!log) return;
    log.unacked--;
    this.hold();
    log.sink.acked(size);
  }

  private fail(id: number, error: Error): void {
    const sink = this.logs.get(id)?.sink;
    this.finish(id);
    sink?.failed(error);
  }

  private finish(id: number): void {
    const ended = this.logs.get(id)?.ended;
    this.logs.delete(id);
    this.hold();
    ended?.();
  }

  /**
   * The thread keeps the process alive while any log has text not yet written or is being ended
   * (that text must reach its file), and never otherwise.
   */
  private hold(): void {
    const busy = [...this.logs.values()].some((log) => log.unacked > 0 || log.ended);
    if (busy === this.held) return;
    this.held = busy;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }
}

let thread: LogThread | undefined;

export function logThread(): LogThread {
  thread ??= new LogThread();
  return thread;
}

/** Start the thread now, ahead of the first console (a suite process waiting for its go). */
export function warmLogThread(): Promise<void> {
  return logThread().ready;
}
