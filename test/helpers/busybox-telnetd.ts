/**
 * BusyBox telnetd with BusyBox `login`, as on a camera: a real login that leaves a real shell. login
 * checks passwords against /etc/passwd and /etc/shadow and must run as root, so the daemon runs in
 * a private mount namespace (`unshare -m`) where a passwd and a shadow of the test's own are bound
 * over the host's: the host's files are never touched, and the mounts go with the process. Port 0:
 * the port it got is read from /proc (listening.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild } from '../../harness/util/child.ts';
import { portOf } from './listening.ts';

export const BUSYBOX = '/bin/busybox';
const UNSHARE = '/usr/bin/unshare';

/** Why this host cannot run it, or undefined when it can. */
export function cannotRunTelnetd(): string | undefined {
  if (process.getuid?.() !== 0) return 'BusyBox login must run as root (it sets the user of the shell it starts)';
  if (!existsSync(UNSHARE)) return `no ${UNSHARE} to keep the test's passwd and shadow off the host's`;
  if (!existsSync(BUSYBOX)) return `no ${BUSYBOX} (npm run setup installs busybox-static)`;
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n');
  const missing = ['telnetd', 'login', 'mkpasswd'].filter((a) => !applets.includes(a));
  if (missing.length > 0) return `${BUSYBOX} has no ${missing.join(', ')} (npm run setup installs busybox-static)`;
  try {
    execFileSync(UNSHARE, ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  } catch {
    return 'unshare -m is not allowed here (no private mount namespace)';
  }
  return undefined;
}

export interface Telnetd {
  port: number;
  stop(): Promise<void>;
}

/** Users with their passwords (hashed SHA-512 in the shadow file), each with /bin/sh as shell. */
export async function startTelnetd(
  dir: string,
  users: readonly { user: string; password: string }[],
): Promise<Telnetd> {
  const hash = (password: string) =>
    execFileSync(BUSYBOX, ['mkpasswd', '-m', 'sha512', password], { encoding: 'utf8' }).trim();
  // root has a password nobody knows (BusyBox login dies on a `*` or `!` it cannot use as a salt).
  // Hex, not base64url: a password that starts with '-' is taken by mkpasswd for an option.
  const passwd = ['root:x:0:0:root:/root:/bin/sh'];
  const shadow = [`root:${hash(randomBytes(12).toString('hex'))}:19000:0:99999:7:::`];
  for (const [i, u] of users.entries()) {
    passwd.push(`${u.user}:x:${2000 + i}:${2000 + i}::${dir}:/bin/sh`);
    shadow.push(`${u.user}:${hash(u.password)}:19000:0:99999:7:::`);
  }
  writeFileSync(join(dir, 'passwd'), `${passwd.join('\n')}\n`);
  writeFileSync(join(dir, 'shadow'), `${shadow.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'issue'), 'hil camera (BusyBox telnetd)\n');
  // telnetd runs its login program by path, and BusyBox picks the applet by the name it was run as.
  symlinkSync(BUSYBOX, join(dir, 'login'));
  const script =
    'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && ' +
    `exec ${BUSYBOX} telnetd -F -p 0 -b 127.0.0.1 -f "$3" -l "$4"`;
  const child = spawn(
    UNSHARE,
    [
      '-m',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      script,
      'sh',
      join(dir, 'passwd'),
      join(dir, 'shadow'),
      join(dir, 'issue'),
      join(dir, 'login'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await portOf(child);
  if (port) return { port, stop: () => stopChild(child, 2000) };
  await stopChild(child, 500);
  throw new Error(`busybox telnetd did not start listening: ${stderr}`);
}
