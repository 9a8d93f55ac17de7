/**
 * Debian's ser2net serving a PTY, as a lab's console server serves a board's USB-UART: a separate
 * process, raw TCP or telnet(rfc2217), on a port of its own (port 0: the port it got is read from
 * /proc, listening.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../../harness/util/child.ts';
import { portOf } from './listening.ts';

export const SER2NET = '/usr/sbin/ser2net';

export interface Ser2net {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startSer2net(device: string, protocol: 'raw' | 'rfc2217', baud = 115200): Promise<Ser2net> {
  const accepter = protocol === 'raw' ? 'tcp,127.0.0.1,0' : 'telnet(rfc2217),tcp,127.0.0.1,0';
  const child = spawn(
    SER2NET,
    [
      '-n', // stay in the foreground
      '-u', // no UUCP lock files (none of our business in a test)
      // Its own pid file: ser2net removes the file at exit (pointed at /dev/null, it deletes that).
      '-P',
      join(mkdtempSync(join(tmpdir(), 'hil-ser2net-')), 'ser2net.pid'),
      '-Y',
      'connection: &console',
      '-Y',
      `  accepter: ${accepter}`,
      '-Y',
      `  connector: serialdev,${device},${baud}n81,local`,
      '-Y',
      '  options:',
      '-Y',
      '    kickolduser: true',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await portOf(child);
  if (port) return { port, process: child, stop: () => stopChild(child, 2000) };
  await stopChild(child, 500);
  throw new Error(`ser2net did not start listening: ${stderr}`);
}
