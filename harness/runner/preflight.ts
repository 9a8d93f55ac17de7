/**
 * Before any suite touches a board: open every console and ping every instrument, probe and file
 * the selected suites need, the way LAVA validates a whole job before it powers anything. A rig
 * with an unplugged port or a supply that is off the network fails here in about a second.
 */
import { spawn } from 'node:child_process';
import type { BoardEndpoints, RigEndpoints } from '../config/endpoints.ts';
import type { LoadedRig } from '../config/load.ts';
import { serialStream } from '../util/serial-stream.ts';
import { consoleTransport } from '../console/reach.ts';
import { pingDriver } from '../power/registry.ts';
import type { Need } from '../suite.ts';
import { withDeadline } from '../util/deadline.ts';
import { connectTcp } from '../util/tcp.ts';
import { loadTrust } from '../tls/trust.ts';
import { type BoardConnections, resolveConnections } from '../connections.ts';
import type { PreflightProblem } from './summary.ts';

/**
 * A dead instrument is mostly refused at once (a port that will not open, a connection refused), and
 * the drivers' own requests have deadlines of their own; this bound is for one that takes a request and
 * never answers. It is not 2 s: on a loaded machine the first HTTP request of a process (fetch loads
 * its client on first use) took longer than that, for every relay of a 13-board rig at once.
 */
const DEADLINE_MS = 8000;

interface Ping {
  need: Need;
  expected: string;
  run: () => Promise<unknown>;
}

/** Whether a program starts at all (an OpenOCD the harness will launch). */
function starts(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.once('error', (error) => reject(new Error(`cannot start ${binary}: ${error.message}`)));
    child.once('exit', () => resolve());
  });
}

function pingsFor(connections: BoardConnections, needs: Set<Need>): Ping[] {
  const pings: Ping[] = [];
  const want = (need: Need) => needs.has(need);
  if (want('console')) {
    pings.push({
      need: 'console',
      expected: `the console ${connections.console.description} to open`,
      run: async () => {
        const transport = consoleTransport(connections.console, 1000);
        await transport.open();
        await transport.close();
      },
    });
  }
  const { power, bootStrap, debugPort, bootUart, trust } = connections;
  if (want('power') && power) {
    pings.push({ need: 'power', expected: `the ${power.driver} power driver to answer`, run: () => pingDriver(power) });
  }
  if (want('boot-strap') && bootStrap) {
    pings.push({
      need: 'boot-strap',
      expected: `the ${bootStrap.driver} boot strap to answer`,
      run: () => pingDriver(bootStrap),
    });
  }
  // A QEMU board's gdbstub exists only while QEMU runs, that is while the board is powered.
  if (want('debug-port') && debugPort && !connections.qmp) {
    pings.push(
      'gdb' in debugPort
        ? {
            need: 'debug-port',
            expected: `a gdbserver listening at ${debugPort.gdb.host}:${debugPort.gdb.port}`,
            run: async () => (await connectTcp(debugPort.gdb.host, debugPort.gdb.port, 1000)).destroy(),
          }
        : {
            need: 'debug-port',
            expected: 'OpenOCD to start',
            run: () => starts(debugPort.openocd.binary ?? 'openocd', ['--version']),
          },
    );
  }
  if (want('boot-uart') && bootUart) {
    pings.push({
      need: 'boot-uart',
      expected: `the boot UART ${bootUart.path} to open`,
      run: async () => (await serialStream(bootUart.path, bootUart.baud, 'even')).close(),
    });
  }
  if (want('trust') && trust) {
    pings.push({
      need: 'trust',
      expected: 'the trust material the rig names to read',
      run: async () => loadTrust(trust),
    });
  }
  return pings;
}

/** One thing a board needs, tried: what was expected, and what was seen (an answer, or the error). */
export interface PingResult {
  need: Need | 'wiring';
  expected: string;
  ok: boolean;
  seen: string;
}

/** Every ping the given needs call for on one board, side by side, each within its deadline. */
export async function pingBoard(
  rig: LoadedRig,
  board: string,
  needs: Set<Need>,
  endpoints: BoardEndpoints | undefined,
): Promise<PingResult[]> {
  let connections: BoardConnections;
  try {
    connections = resolveConnections(rig, board, endpoints);
  } catch (error) {
    const expected = 'every "auto" filled in by the rig host';
    return [{ need: 'wiring', expected, ok: false, seen: (error as Error).message }];
  }
  return Promise.all(
    pingsFor(connections, needs).map((ping) =>
      withDeadline(ping.run(), DEADLINE_MS, 'no answer').then(
        (answer): PingResult => ({
          need: ping.need,
          expected: ping.expected,
          ok: true,
          seen: typeof answer === 'string' ? answer : 'ok',
        }),
        (error: Error): PingResult => ({ need: ping.need, expected: ping.expected, ok: false, seen: error.message }),
      ),
    ),
  );
}

export async function preflight(
  rig: LoadedRig,
  boards: string[],
  needs: Set<Need>,
  endpoints: RigEndpoints | undefined,
): Promise<PreflightProblem[]> {
  const perBoard = await Promise.all(
    boards.map(async (board) =>
      (await pingBoard(rig, board, needs, endpoints?.boards[board]))
        .filter((result) => !result.ok)
        .map(({ need, expected, seen }): PreflightProblem => ({ board, need, expected, seen })),
    ),
  );
  return perBoard.flat();
}
