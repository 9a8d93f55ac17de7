/**
 * The SWD/JTAG check: through whatever gdbserver fronts the debug port, halt the core and read the
 * memory the profile names. Any byte read is a finding. A refusal counts as a locked port only with
 * a positive control showing the probe reached the board: a halted target on the gdbserver, or
 * OpenOCD reporting the target's voltage or an IDCODE. A cable that is out refuses too.
 */
import type { Board } from '../board.ts';
import type { Evidence } from '../evidence.ts';
import { fail, inconclusive, type Outcome, pass, skip } from '../verdict.ts';
import { hexOf, parseHexReply } from '../wire/rsp.ts';
import type { DebugPort } from '../connections.ts';
import { GdbRemote } from './gdb-remote.ts';
import { lockSigns, startOpenOcd, targetPresence } from './openocd.ts';

export interface MemoryRegion {
  name: string;
  address: number;
  length: number;
}

export async function probeDebugPort(board: Board): Promise<Outcome> {
  const port = board.debugPort;
  const regions = board.profile.debug.memory;
  if (!port) return skip('the rig wires no debug probe or gdbserver to this board');
  if (regions.length === 0) return skip('the profile names no memory to try to read (debug.memory)');
  return tryDebugPort(port, regions);
}

export async function tryDebugPort(port: DebugPort, regions: MemoryRegion[]): Promise<Outcome> {
  if ('gdb' in port) return readThrough(port.gdb, regions);
  const started = await startOpenOcd(port.openocd.args, {
    binary: port.openocd.binary,
    gdbPort: port.openocd['gdb-port'],
  });
  const tail = started.stderr.split('\n').slice(-15);
  switch (started.kind) {
    case 'target-refused': {
      const presence = targetPresence(started.stderr);
      const evidence = { openocd: 'could not reach the core', signs: started.signs, presence, stderr: tail };
      if (presence.length === 0) {
        return inconclusive(
          'OpenOCD could not reach the core, but reported no target voltage or IDCODE: the probe may not be connected to the board',
          evidence,
        );
      }
      return pass(evidence);
    }
    case 'probe-missing':
      return inconclusive('OpenOCD could not find the debug probe', { signs: started.signs, stderr: tail });
    case 'failed':
      return inconclusive('OpenOCD failed for a reason that says nothing about the target', { stderr: tail });
    case 'serving':
      try {
        const outcome = await readThrough({ host: '127.0.0.1', port: started.port }, regions);
        if (outcome.verdict !== 'skip') outcome.evidence.openocdLockState = lockSigns(started.stderr);
        return outcome;
      } finally {
        await started.stop();
      }
  }
}

async function readThrough(address: { host: string; port: number }, regions: MemoryRegion[]): Promise<Outcome> {
  const where = `${address.host}:${address.port}`;
  let gdb: GdbRemote;
  try {
    gdb = await GdbRemote.connect(address.host, address.port);
  } catch (error) {
    // No gdbserver says nothing about the target (OpenOCD not started, wrong port).
    return inconclusive(`no gdbserver answered at ${where}`, {
      gdbserver: where,
      connection: (error as Error).message,
    });
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
    const evidence: Evidence = { gdbserver: where, supported, haltReason, reads, transcript: gdb.transcript };
    if (reads.some((r) => 'read' in r)) return fail(evidence);
    // A stop reply (S05, T05...) means the server has a target it halted; an error means it has none.
    if (!/^[ST][0-9a-fA-F]{2}/.test(haltReason)) {
      return inconclusive(
        `the gdbserver reported no halted target (answered "?" with ${JSON.stringify(haltReason)}): the probe may not be connected to the board`,
        evidence,
      );
    }
    return pass(evidence);
  } catch (error) {
    return inconclusive(`the gdbserver stopped answering: ${(error as Error).message}`, {
      gdbserver: where,
      transcript: gdb.transcript,
    });
  } finally {
    await gdb.detach();
  }
}
