/**
 * The SWD/JTAG check: through whatever gdbserver fronts the debug port, halt the core and read the
 * memory the profile names. Any byte read is a finding; refusals are evidence of a locked port.
 */
import { resolveAuto, type BoardEndpoints } from '../config/endpoints.ts';
import type { DebugWiringConfig } from '../config/schema.ts';
import { GdbRemote } from './gdb-remote.ts';
import { lockSigns, startOpenOcd } from './openocd.ts';
import { hexOf, parseHexReply } from '../wire/rsp.ts';

export interface MemoryRegion {
  name: string;
  address: number;
  length: number;
}

export type DebugVerdict =
  | { verdict: 'open'; evidence: Record<string, unknown> }
  | { verdict: 'closed'; evidence: Record<string, unknown> }
  | { verdict: 'cannot-tell'; reason: string; evidence: Record<string, unknown> };

/** Where the debug port is: a gdbserver address, or an OpenOCD to start; undefined when the rig has none. */
export function debugPortOf(
  wiring: { debug?: DebugWiringConfig; qemu?: { gdbstub?: boolean } },
  endpoints?: BoardEndpoints,
): { gdb: { host: string; port: number } } | { openocd: NonNullable<DebugWiringConfig['openocd']> } | undefined {
  if (wiring.qemu?.gdbstub && endpoints?.gdb !== undefined) return { gdb: { host: '127.0.0.1', port: endpoints.gdb } };
  const gdb = wiring.debug?.gdb;
  if (gdb) {
    return { gdb: { host: gdb.host, port: resolveAuto(gdb.port, endpoints?.gdb, 'debug.gdb.port') } };
  }
  if (wiring.debug?.openocd) return { openocd: wiring.debug.openocd };
  return undefined;
}

export async function tryDebugPort(
  port: NonNullable<ReturnType<typeof debugPortOf>>,
  regions: MemoryRegion[],
): Promise<DebugVerdict> {
  if ('openocd' in port) {
    const started = await startOpenOcd(port.openocd.args, {
      binary: port.openocd.binary,
      gdbPort: port.openocd['gdb-port'],
    });
    const tail = started.stderr.split('\n').slice(-15);
    switch (started.kind) {
      case 'target-refused':
        return {
          verdict: 'closed',
          evidence: { openocd: 'could not reach the core', signs: started.signs, stderr: tail },
        };
      case 'probe-missing':
        return {
          verdict: 'cannot-tell',
          reason: 'OpenOCD could not find the debug probe',
          evidence: { signs: started.signs, stderr: tail },
        };
      case 'failed':
        return {
          verdict: 'cannot-tell',
          reason: 'OpenOCD failed for a reason that says nothing about the target',
          evidence: { stderr: tail },
        };
      case 'serving':
        try {
          const result = await readThrough({ host: '127.0.0.1', port: started.port }, regions);
          result.evidence.openocdLockState = lockSigns(started.stderr);
          return result;
        } finally {
          await started.stop();
        }
    }
  }
  return readThrough(port.gdb, regions);
}

async function readThrough(address: { host: string; port: number }, regions: MemoryRegion[]): Promise<DebugVerdict> {
  const where = `${address.host}:${address.port}`;
  let gdb: GdbRemote;
  try {
    gdb = await GdbRemote.connect(address.host, address.port);
  } catch (error) {
    // No gdbserver says nothing about the target (OpenOCD not started, wrong port): not a pass.
    return {
      verdict: 'cannot-tell',
      reason: `no gdbserver answered at ${where}`,
      evidence: { gdbserver: where, connection: (error as Error).message },
    };
  }
  try {
    // No multiprocess feature: plain `D` then detaches on every server (QEMU refuses it otherwise).
    const supported = await gdb.request('qSupported');
    const haltReason = await gdb.request('?');
    const reads = [];
    for (const region of regions) {
      const reply = parseHexReply(await gdb.readMemory(region.address, region.length));
      reads.push({
        region: region.name,
        address: `0x${region.address.toString(16).padStart(8, '0')}`,
        ...('bytes' in reply
          ? { read: hexOf(reply.bytes), ascii: reply.bytes.toString('latin1') }
          : { refused: reply.error }),
      });
    }
    const evidence = { gdbserver: where, supported, haltReason, reads, transcript: gdb.transcript };
    if (regions.length === 0) return { verdict: 'cannot-tell', reason: 'the profile names no memory to try', evidence };
    return { verdict: reads.some((r) => 'read' in r) ? 'open' : 'closed', evidence };
  } catch (error) {
    return {
      verdict: 'cannot-tell',
      reason: `the gdbserver stopped answering: ${(error as Error).message}`,
      evidence: { gdbserver: where, transcript: gdb.transcript },
    };
  } finally {
    await gdb.detach();
  }
}
