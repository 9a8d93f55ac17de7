/**
 * Debian's nginx and lighttpd as the tests' web UIs, each a process of its own run as the current
 * user, its config, pid and logs in a folder the test gives, on a loopback socket of its own that it
 * inherits (listening.ts): lighttpd with mod_auth (Basic or Digest, a plain user file; its default
 * delay of about a second before every 401 left on), and nginx with `limit_req` in front of another
 * server, answering what it turns away with its default 503.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild } from '../../harness/util/child.ts';
import { loopbackSocket } from './listening.ts';

export const NGINX = '/usr/sbin/nginx';
export const LIGHTTPD = '/usr/sbin/lighttpd';

export interface WebServer {
  port: number;
  url: string;
  /** The server's error log, for a test's diagnostics. */
  errors(): string;
  stop(): Promise<void>;
}

/** Start `command` on an inherited socket (descriptor 3) and wait until it answers HTTP. */
async function startOn(
  dir: string,
  name: string,
  config: (port: number) => string,
  run: (configFile: string) => { command: string; args: string[]; env?: Record<string, string> },
): Promise<WebServer> {
  const socket = await loopbackSocket();
  const configFile = join(dir, `${name}.conf`);
  writeFileSync(configFile, config(socket.port));
  const { command, args, env } = run(configFile);
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', socket.fd], env: { ...process.env, ...env } });
  } finally {
    socket.close(); // the server has its own copy now
  }
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const errors = () => {
    try {
      return readFileSync(join(dir, `${name}-error.log`), 'utf8');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${socket.port}/`;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return { port: socket.port, url, errors, stop: () => stopChild(child, 2000) };
    } catch {
      await sleep(50);
    }
  }
  await stopChild(child, 500);
  throw new Error(`${name} did not start: ${stderr}${errors()}`);
}

/** lighttpd serving a page behind HTTP `method` authentication for `users` (plain user file). */
export function startLighttpd(
  dir: string,
  method: 'basic' | 'digest',
  users: readonly { user: string; password: string }[],
): Promise<WebServer> {
  writeFileSync(join(dir, 'users'), users.map((u) => `${u.user}:${u.password}\n`).join(''));
  writeFileSync(join(dir, 'index.html'), '<p id="status">camera ok</p>\n');
  return startOn(
    dir,
    'lighttpd',
    (port) =>
      [
        `server.document-root = "${dir}"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${port}`,
        'server.systemd-socket-activation = "enable"',
        `server.pid-file = "${join(dir, 'lighttpd.pid')}"`,
        `server.errorlog = "${join(dir, 'lighttpd-error.log')}"`,
        'server.modules += ("mod_auth", "mod_authn_file")',
        'index-file.names = ("index.html")',
        'auth.backend = "plain"',
        `auth.backend.plain.userfile = "${join(dir, 'users')}"`,
        `auth.require = ("/" => ("method" => "${method}", "realm" => "hil-camera", "require" => "valid-user"))`,
        '',
      ].join('\n'),
    (configFile) => ({
      // systemd socket activation: the inherited descriptor 3 is for the process that is lighttpd.
      command: '/bin/sh',
      args: ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -D -f "$1"', LIGHTTPD, configFile],
    }),
  );
}

/** nginx in front of `upstream` (a port on loopback), rate limited to `rate` (e.g. '2r/s'), no burst. */
export function startNginx(dir: string, upstream: number, rate: string): Promise<WebServer> {
  return startOn(
    dir,
    'nginx',
    (port) => `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')};
worker_processes 1;
events { worker_connections 64; }
http {
  access_log ${join(dir, 'nginx-access.log')};
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  limit_req_zone $binary_remote_addr zone=ui:1m rate=${rate};
  server {
    listen 127.0.0.1:${port};
    location / {
      limit_req zone=ui;
      proxy_pass http://127.0.0.1:${upstream};
    }
  }
}
`,
    (configFile) => ({
      command: NGINX,
      args: ['-p', dir, '-c', configFile, '-e', join(dir, 'nginx-error.log')],
      // nginx takes listening sockets from the variable it sets for its own binary upgrades.
      env: { NGINX: '3;' },
    }),
  );
}
