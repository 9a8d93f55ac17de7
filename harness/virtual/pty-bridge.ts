/**
 * A PTY for a virtual device, made by socat: the harness opens the PTY as it would a USB serial
 * adapter's TTY, and socat carries the bytes to the device's TCP socket on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { listenLoopback } from './listen.ts';

export interface PtyBridge {
  path: string;
  close(): Promise<void>;
}

/**
 * socat starts in milliseconds on a quiet machine; a rig host with seven boards starts seven at once,
 * and beside a test run at a load of 15 on two cores one took over 5 s. Only a socat that never makes
 * its PTY waits this long.
 */
const START_DEADLINE_MS = 20_000;

/**
 * Make a PTY at `path` whose other end is `onConnect`'s socket. Resolves once socat has made the PTY
 * and connected (both events are awaited; no polling).
 */
export async function ptyBridge(path: string, onConnect: (socket: Socket) => void): Promise<PtyBridge> {
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    onConnect(socket);
    connected();
  });
  let connected: () => void = () => undefined;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  const port = await listenLoopback(server);
  rmSync(path, { force: true });
  const socat: ChildProcess = spawn('socat', ['-d', '-d', `PTY,link=${path},rawer`, `TCP:127.0.0.1:${port},nodelay`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const ptyMade = new Promise<void>((resolve, reject) => {
    socat.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
      if (/PTY is /.test(stderr)) resolve();
    });
    socat.on('error', (error) => reject(new Error(`cannot start socat (${error.message}); run npm run setup`)));
    socat.on('exit', (code) => reject(new Error(`socat exited (${code}) before the PTY was ready: ${stderr.trim()}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`socat made no PTY at ${path} within ${START_DEADLINE_MS} ms: ${stderr.trim()}`)),
      START_DEADLINE_MS,
    );
  });
  const close = async () => {
    if (socat.exitCode === null && socat.signalCode === null) {
      const exited = new Promise((resolve) => socat.once('exit', resolve));
      socat.kill('SIGTERM');
      await exited;
    }
    server.close();
    rmSync(path, { force: true });
  };
  try {
    await Promise.race([Promise.all([ptyMade, isConnected]), deadline]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { path, close };
}
