/** The rig host's servers (twins, gdbservers, bridges) listen on loopback ports the kernel picks. */
import type { Server } from 'node:net';

/** Listen on a loopback port of the kernel's choosing, held for as long as the server lives. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a loopback listener has no TCP port');
  return address.port;
}
