/** A TCP connection with a deadline: instruments, gdbservers and relays on the bench network. */
import { Socket } from 'node:net';
import type { ByteStream } from './serial-stream.ts';
import { deadlineTimer } from './deadline.ts';

export async function connectTcp(host: string, port: number, timeoutMs = 3000): Promise<Socket> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    const timer = deadlineTimer(timeoutMs, () => {
      socket.destroy();
      reject(
        Object.assign(new Error(`cannot connect to ${host}:${port} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      );
    });
    socket.once('error', (error) => {
      timer.clear();
      reject(new Error(`cannot connect to ${host}:${port}: ${error.message}`, { cause: error }));
    });
    socket.connect(port, host, () => {
      timer.clear();
      resolve();
    });
  });
  socket.setNoDelay(true);
  return socket;
}

/** A TCP connection as a ByteStream (SCPI on port 5025, say). */
export async function tcpStream(host: string, port: number, timeoutMs = 3000): Promise<ByteStream> {
  const socket = await connectTcp(host, port, timeoutMs);
  socket.on('error', () => undefined); // a later failure surfaces as a missing reply with its deadline
  return {
    write: (data) => new Promise((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve()))),
    onData: (listener) => socket.on('data', listener),
    close: async () => {
      socket.destroy();
    },
  };
}
