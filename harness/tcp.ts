/** A TCP connection with a deadline: instruments, gdbservers and relays on the bench network. */
import { Socket } from 'node:net';

export async function connectTcp(host: string, port: number, timeoutMs = 3000): Promise<Socket> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${host}:${port}: ${error.message}`));
    });
    socket.connect(port, host, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.setNoDelay(true);
  return socket;
}
