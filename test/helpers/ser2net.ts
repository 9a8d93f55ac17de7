/**
 * Debian's ser2net serving a PTY, as a lab's console server serves a board's USB-UART: a separate
 * process, raw TCP or telnet(rfc2217), on a port of its own (port 0: the port it got is read from
 * /proc, the listening socket among the process's own descriptors).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild } from '../../harness/child.ts';

export const SER2NET = '/usr/sbin/ser2net';

export interface Ser2net {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The TCP ports process `pid` listens on (/proc/net/tcp state 0A, matched by socket inode). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9]!)) ports.push(Number.parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
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
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const [port] = child.pid ? listeningPorts(child.pid) : [];
    if (port) return { port, process: child, stop: () => stopChild(child, 2000) };
    await sleep(50);
  }
  await stopChild(child, 500);
  throw new Error(`ser2net did not start listening: ${stderr}`);
}
