/**
 * A board's parts, connected: its connections resolved, its console opened (with its log), its power
 * driver and boot strap opened (the strap released, as an earlier run may have left it pulled), and
 * QEMU's control where the board is emulated. What opened is closed again when a later part fails.
 */
import { join } from 'node:path';
import type { BoardEndpoints } from '../config/endpoints.ts';
import type { BoardProfile, LoadedRig } from '../config/load.ts';
import { Console } from '../console/console.ts';
import { ConsoleLog } from '../console/log.ts';
import { consoleTransport } from '../console/reach.ts';
import { HilError } from '../util/errors.ts';
import type { BootStrap, Power } from '../power/driver.ts';
import { openPower, openBootStrap } from '../power/registry.ts';
import { QemuControl } from '../qemu/control.ts';
import { type BoardConnections, resolveConnections } from '../connections.ts';

export interface BoardSetup {
  rig: LoadedRig;
  name: string;
  /** Where this board's console logs go. */
  logDir: string;
  /** The log files' base name (the suite name, so each suite's console is its own file). */
  logName: string;
  endpoints?: BoardEndpoints;
}

export interface BoardParts {
  profile: BoardProfile;
  connections: BoardConnections;
  console: Console;
  power: Power | undefined;
  bootStrap: BootStrap | undefined;
  qemu: QemuControl | undefined;
}

export async function connect(setup: BoardSetup): Promise<BoardParts> {
  const connections = resolveConnections(setup.rig, setup.name, setup.endpoints);
  const profile = setup.rig.profiles.get(setup.rig.config.boards[setup.name]!.profile)!;
  const transport = consoleTransport(connections.console);
  const log = new ConsoleLog(setup.logDir, setup.logName, setup.rig.redactor);
  const console = new Console({
    board: setup.name,
    transport,
    log,
    crash: profile.crash,
    lineEnding: profile.console.lineEnding,
  });
  let power: Power | undefined;
  let bootStrap: BootStrap | undefined;
  try {
    await console.open();
    if (connections.power) power = await openPower(connections.power);
    bootStrap = connections.bootStrap ? await openBootStrap(connections.bootStrap, { console }) : undefined;
    // A strap left pulled by an earlier run would hold the board in its ROM loader.
    await bootStrap?.rest();
    const qemu = connections.qmp ? new QemuControl(connections.qmp) : undefined;
    return { profile, connections, console, power, bootStrap, qemu };
  } catch (error) {
    await bootStrap?.close().catch(() => undefined);
    await power?.close().catch(() => undefined);
    await console.close().catch(() => undefined);
    throw new HilError({
      board: setup.name,
      step: 'connect',
      expected: 'console, power and boot strap to open',
      seen: (error as Error).message,
      log: join(setup.logDir, `${setup.logName}.log`),
    });
  }
}
