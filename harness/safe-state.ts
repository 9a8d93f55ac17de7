/**
 * The bench at rest, whatever happened: a board's supply to the rig's safe state (off, or nominal)
 * and its boot strap released, through drivers opened for the purpose. The runner does this at the
 * end of every run and on SIGINT/SIGTERM; a suite whose run was killed does it for its own board.
 */
import type { BoardEndpoints } from './config/endpoints.ts';
import type { LoadedRig } from './config/load.ts';
import type { Power } from './power/driver.ts';
import { openPower, releaseBootStrap } from './power/registry.ts';
import { resolveConnections } from './connections.ts';

/** A supply or relay in the rig's safe state: off, or on at its nominal voltage. */
export function powerAtRest(power: Power, state: 'off' | 'nominal'): Promise<void> {
  return state === 'off' ? power.off() : power.on();
}

export async function boardToSafeState(
  rig: LoadedRig,
  board: string,
  endpoints: BoardEndpoints | undefined,
): Promise<void> {
  const state = rig.config['safe-state'] ?? 'off';
  const connections = resolveConnections(rig, board, endpoints);
  if (connections.power) {
    const power = await openPower(connections.power);
    try {
      await powerAtRest(power, state);
    } finally {
      await power.close();
    }
  }
  if (connections.bootStrap) await releaseBootStrap(connections.bootStrap);
}
