/**
 * Every power driver, found rather than listed: each file in power/drivers/, and in the folders on
 * HIL_DRIVER_PATH (colon-separated, for drivers of your own), is one driver or a list of them.
 * Adding one touches no other file: the rig schema (and with it every rig's loading, the validators
 * and `hil schemas`), `open`, the safe state and the virtual rig's twins all come from here.
 * Loading every driver is cheap: a driver loads its instrument's package (serialport, usb) when it opens.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Declarations } from '../config/declarations.ts';
import { type DriverConfig, Profile, rigSchema } from '../config/schema.ts';
import type { TSchema } from '../config/typebox.ts';
import type { TwinCatalog } from '../virtual/twin.ts';
import type { BootStrap, Driver, Power, Relay, BootStrapContext, Supply } from './driver.ts';
import { RelayBootStrap } from './relay-boot-strap.ts';

const BUILT_IN = fileURLToPath(new URL('./drivers/', import.meta.url));

async function discover(dirs: string[]): Promise<Map<string, Driver>> {
  const found = new Map<string, Driver>();
  for (const dir of dirs) {
    const files = readdirSync(dir)
      .filter((f) => /\.[cm]?[jt]s$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) {
      const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: Driver | Driver[] };
      const drivers = Array.isArray(module.default) ? module.default : module.default ? [module.default] : [];
      if (drivers.length === 0) throw new Error(`${join(dir, file)}: a driver file's default export is a driver`);
      for (const driver of drivers) {
        const other = found.get(driver.name);
        if (other) throw new Error(`${join(dir, file)}: a driver named "${driver.name}" exists already`);
        found.set(driver.name, driver);
      }
    }
  }
  return found;
}

const extra = (process.env.HIL_DRIVER_PATH ?? '')
  .split(':')
  .filter(Boolean)
  .map((dir) => resolve(dir));
export const DRIVERS: ReadonlyMap<string, Driver> = await discover([BUILT_IN, ...extra]);

const driversOf = (...kinds: Driver['kind'][]): Driver[] => [...DRIVERS.values()].filter((d) => kinds.includes(d.kind));

/** The schema every rig file is loaded with (`loadRig`): its power and boot straps are these drivers. */
export const Rig = rigSchema({ power: driversOf('relay', 'supply'), bootStrap: driversOf('relay', 'boot-strap') });
/** The schemas `hil schemas` writes, for editors. */
export const SCHEMAS: Record<string, TSchema> = { rig: Rig, profile: Profile, declarations: Declarations };

function find(name: string): Driver {
  const driver = DRIVERS.get(name);
  if (!driver) throw new Error(`no driver "${name}" (drivers: ${[...DRIVERS.keys()].join(', ')})`);
  return driver;
}

export async function openPower(config: DriverConfig): Promise<Power> {
  const driver = find(config.driver);
  if (driver.kind === 'boot-strap') throw new Error(`driver "${config.driver}" is a boot strap, not power`);
  return driver.open(config);
}

export async function openBootStrap(config: DriverConfig, context: BootStrapContext): Promise<BootStrap> {
  const driver = find(config.driver);
  if (driver.kind === 'boot-strap') return driver.open(config, context);
  if (driver.kind === 'relay') return new RelayBootStrap((await driver.open(config)) as Relay);
  throw new Error(`driver "${config.driver}" is a supply; a boot strap needs a relay`);
}

/** The twins, for the rig host (which may not import harness logic itself). */
export const twinCatalog: TwinCatalog = {
  relay: (name) => {
    const driver = DRIVERS.get(name);
    return driver?.kind === 'relay' ? driver.twin : undefined;
  },
  supply: (name) => {
    const driver = DRIVERS.get(name);
    return driver?.kind === 'supply' ? driver.twin : undefined;
  },
};

/** Open a driver and ask it something harmless (a supply's `*IDN?`, a relay's state): the pre-flight. */
export async function pingDriver(config: DriverConfig): Promise<string> {
  const driver = find(config.driver);
  if (driver.kind === 'boot-strap') return `${config.driver}: nothing to ask beyond the console`;
  const opened = await driver.open(config);
  try {
    if (driver.kind === 'supply') return await (opened as Supply).identify();
    return `${opened.description} is ${(await (opened as Relay).state()) ? 'closed' : 'open'}`;
  } finally {
    await opened.close();
  }
}

/**
 * A boot strap to rest without a board to reset (the safe state after a run): a relay is opened.
 * A strap driver of its own (DTR/RTS) lives on the console's lines, released when its port closes.
 */
export async function releaseBootStrap(config: DriverConfig): Promise<void> {
  const driver = find(config.driver);
  if (driver.kind !== 'relay') return;
  const relay = await driver.open(config);
  try {
    await relay.off();
  } finally {
    await relay.close();
  }
}
