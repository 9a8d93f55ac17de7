// hil-target (our own firmware, built by npm run setup) under QEMU's netduino2 for tests that talk to
// it directly: its console on a TCP port, its gdbstub on another, its monitor on a third for a reset.
import type { Test } from 'tap';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const ELF = 'build/firmware/hil-target.elf';

export interface HilTarget {
  gdb: number;
  console: Socket;
  said: () => string;
  /** The chip reset (QEMU's system_reset), back at its prompt. */
  reset: () => Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function connected(port: number, t: Test): Promise<Socket> {
  for (let tries = 0; ; tries++) {
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s)).on('error', reject);
      });
      socket.on('error', () => undefined);
      t.teardown(() => socket.destroy());
      return socket;
    } catch (error) {
      if (tries > 100) throw error;
      await sleep(100);
    }
  }
}

async function until(said: () => string, from: number, text: string): Promise<void> {
  for (let i = 0; i < 250 && !said().slice(from).includes(text); i++) await sleep(20);
}

export async function bootTarget(t: Test): Promise<HilTarget> {
  const [serial, gdb, monitor] = [await freePort(), await freePort(), await freePort()];
  const qemu: ChildProcess = spawn(
    'qemu-system-arm',
    ['-M', 'netduino2', '-kernel', ELF, '-nographic'].concat([
      '-monitor',
      `tcp:127.0.0.1:${monitor},server=on,wait=off`,
      '-serial',
      `tcp:127.0.0.1:${serial},server=on,wait=off`,
      '-gdb',
      `tcp:127.0.0.1:${gdb}`,
    ]),
    { stdio: 'ignore' },
  );
  t.teardown(() => qemu.kill('SIGKILL'));
  const console = await connected(serial, t);
  let text = '';
  console.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const hmp = await connected(monitor, t);
  hmp.on('data', () => undefined);
  // QEMU opens the gdbstub's port after the serial one: a debugger may connect once it listens.
  (await connected(gdb, t)).destroy();
  const said = () => text;
  return {
    gdb,
    console,
    said,
    reset: async () => {
      const from = text.length;
      hmp.write('system_reset\n');
      await until(said, from, 'hil> ');
    },
  };
}

/** A line sent, and its prompt back (or two seconds). */
export async function lineAnswered(target: Pick<HilTarget, 'console' | 'said'>, line: string): Promise<void> {
  const before = target.said().length;
  target.console.write(`${line}\r`);
  await until(target.said, before, 'hil> ');
}
