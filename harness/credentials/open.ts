/**
 * A board's login surfaces, from its profile (how to log in) and its rig entry (where, and its own
 * credentials), each with the reason it is absent; and the boards of the same profile whose own
 * credentials must not open this one.
 */
import { dirname } from 'node:path';
import type { Board } from '../board.ts';
import { parseHostPort } from '../config/atoms.ts';
import type { LoadedRig } from '../config/load.ts';
import { filled, type BoardConnections } from '../connections.ts';
import { ConsoleLogin } from './console-login.ts';
import type { Credential } from './defaults.ts';
import { HttpAuthLogin } from './http-login.ts';
import { TcpLogin } from './tcp-login.ts';
import type { Surface } from './attempt.ts';
import { WebLogin } from './web-login.ts';

/** Without a lockout time in the profile, a lockout is waited out this long. */
const DEFAULT_LOCKOUT_MS = 30_000;

export type Reach = { surfaces: Surface[] } | { skip: string };

/** Where the rig says this board's logins are ("auto": the rig host's), and its own credentials. */
function rigLogins(connections: BoardConnections) {
  const login = connections.config.credentials;
  if (!login) return undefined;
  const { web, httpAuth, tcp, ...own } = login;
  const given = connections.endpoints?.credentials;
  const port = tcp === undefined ? undefined : filled(connections, tcp, given?.tcp, 'credentials.tcp');
  return {
    ...own,
    ...(web ? { web: String(filled(connections, web, given?.web, 'credentials.web')) } : {}),
    ...(httpAuth ? { httpAuth: String(filled(connections, httpAuth, given?.httpAuth, 'credentials.http-auth')) } : {}),
    ...(port !== undefined
      ? { tcp: typeof port === 'number' ? { host: '127.0.0.1', port } : parseHostPort(port) }
      : {}),
  };
}

export function loginSurfaces(board: Board): Record<'web' | 'console' | 'network', Reach> {
  const rig = rigLogins(board.connections);
  const profile = board.profile.credentials;
  const own: Credential | undefined = rig?.password ? { user: rig.user ?? 'admin', password: rig.password } : undefined;
  const common = {
    ...(own ? { own } : {}),
    ...(profile.lockoutAfter !== undefined ? { lockoutAfter: profile.lockoutAfter } : {}),
    lockoutMs: profile.lockoutMs ?? DEFAULT_LOCKOUT_MS,
  };
  const web: Surface[] = [
    ...(rig?.web ? [{ ...common, surface: new WebLogin(rig.web, profile.web, dirname(board.console.logPath)) }] : []),
    ...(rig?.httpAuth ? [{ ...common, surface: new HttpAuthLogin(rig.httpAuth) }] : []),
  ];
  return {
    web:
      web.length > 0
        ? { surfaces: web }
        : { skip: 'the rig names no web UI for this board (credentials.web, credentials.http-auth)' },
    console: profile.console
      ? { surfaces: [{ ...common, surface: new ConsoleLogin(board, profile.console) }] }
      : { skip: 'the profile describes no console login (credentials.console)' },
    network:
      rig?.tcp && profile.tcp
        ? { surfaces: [{ ...common, surface: new TcpLogin(rig.tcp.host, rig.tcp.port, profile.tcp) }] }
        : {
            skip: rig?.tcp
              ? 'the profile describes no TCP login dialogue (credentials.tcp)'
              : 'the rig names no TCP login service (credentials.tcp)',
          },
  };
}

/** The other boards of this board's profile that have credentials of their own in the rig. */
export function peersOf(rig: LoadedRig, board: Board): { board: string; own: Credential }[] {
  const mine = rig.config.boards[board.name]!;
  return Object.entries(rig.config.boards)
    .filter(([name, b]) => name !== board.name && b.profile === mine.profile && b.credentials?.password)
    .map(([name, b]) => ({
      board: name,
      own: { user: b.credentials!.user ?? 'admin', password: b.credentials!.password! },
    }));
}
