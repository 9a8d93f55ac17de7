/**
 * Real servers the tests start, on ports of their own. A server that can listen on port 0 (ser2net,
 * BusyBox telnetd) is found by the port it got: the listening socket among the process's own
 * descriptors, read from /proc. One that cannot (nginx refuses port 0; lighttpd takes it for 80)
 * inherits a socket this process opened on port 0 (nginx's NGINX variable, lighttpd's systemd socket
 * activation), so no port is ever guessed or raced for.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The TCP ports process `pid` listens on (/proc/net/tcp state 0A, matched by socket inode). */
export function listeningPorts(pid: number): number[] {
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

/** The port a child that listens on port 0 got, once it listens (within 5 s); undefined if it exited first. */
export async function portOf(child: ChildProcess): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return undefined;
    try {
      const [port] = listeningPorts(child.pid);
      if (port) return port;
    } catch {
      // /proc/<pid> gone: it is exiting
    }
    await sleep(50);
  }
  return undefined;
}

/** A socket listening on a port of its own on loopback, for a server to inherit as a descriptor. */
export async function loopbackSocket(): Promise<{ port: number; fd: number; close(): void }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no descriptor for a listening socket on this platform');
  return { port: (server.address() as { port: number }).port, fd, close: () => server.close() };
}
