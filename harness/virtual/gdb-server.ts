/**
 * The gdbserver of a debug probe wired to the virtual board's JTAG pins. Where JTAG was left
 * enabled it halts the core and answers register and memory reads from the firmware's memory;
 * where it is disabled every access fails, as OpenOCD's does on a chip whose JTAG is fused off.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { encodePacket, hexOf, RspParser } from '../wire/rsp.ts';

export interface DebugTarget {
  /** False where the firmware disabled JTAG. */
  readonly debugEnabled: boolean;
  readMemory(address: number, length: number): Buffer | undefined;
}

const REGISTERS_HEX = '00'.repeat(4 * 64);

export function reply(target: DebugTarget, command: string): string {
  if (command.startsWith('qSupported')) return 'PacketSize=4000;qXfer:features:read-';
  if (!target.debugEnabled) return command === 'D' || command === 'k' ? 'OK' : 'E01';
  if (command === '?') return 'S05';
  if (command === 'g') return REGISTERS_HEX;
  if (command === 'D' || command === 'k') return 'OK';
  const m = /^m([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(command);
  if (m) {
    const bytes = target.readMemory(parseInt(m[1]!, 16), Math.min(parseInt(m[2]!, 16), 0x1000));
    return bytes ? hexOf(bytes) : 'E14';
  }
  return ''; // unsupported: the empty reply, as the protocol says
}

export async function startGdbServer(port: number, target: DebugTarget): Promise<Server> {
  const server = createServer((socket: Socket) => {
    const parser = new RspParser();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) {
        if (event.kind !== 'packet') continue;
        socket.write('+');
        socket.write(encodePacket(reply(target, event.payload)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}
