/**
 * A byte source behind a real PTY: socat makes the PTY (a separate process, as on the virtual rig)
 * and the test writes the "device" side through socat's loopback socket. The console under test
 * opens the PTY through serialport exactly as it would a USB adapter.
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { ptyBridge, type PtyBridge } from '../../harness/virtual/pty-bridge.ts';

export interface PtyDevice {
  path: string;
  socket: () => Socket;
  /** The adapter is unplugged: socat and the PTY go away. */
  unplug(): Promise<void>;
  /** Plugged back in: a new PTY at the same path. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function ptyDevice(dir: string, name = 'dev.tty'): Promise<PtyDevice> {
  const path = join(dir, name);
  let current: Socket | undefined;
  let bridge: PtyBridge | undefined = await ptyBridge(path, (s) => {
    current = s;
    s.on('error', () => undefined);
  });
  return {
    path,
    socket: () => {
      if (!current) throw new Error('device not connected');
      return current;
    },
    unplug: async () => {
      await bridge?.close();
      bridge = undefined;
      current = undefined;
    },
    replug: async () => {
      bridge = await ptyBridge(path, (s) => {
        current = s;
        s.on('error', () => undefined);
      });
    },
    close: async () => {
      await bridge?.close();
    },
  };
}
