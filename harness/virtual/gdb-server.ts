/**
 * The gdbserver of a debug probe wired to the virtual board's JTAG pins. Where JTAG was left
 * enabled it halts the core and answers register and memory reads from the firmware's memory;
 * where it is locked the core reports halted but every memory access fails, as a gdbserver does on
 * an STM32 at readout protection level 1. With no target (the probe's cable not on the board) it
 * answers the protocol but reports no target state.
 */
import { createServer, type Socket } from 'node:net';
import { listenLoopback } from './listen.ts';
import { encodePacket, hexOf, RspParser } from '../wire/rsp.ts';

export interface DebugTarget {
  /** False where the firmware disabled JTAG. */
  readonly debugEnabled: boolean;
  readMemory(address: number, length: number): Buffer | undefined;
}

const REGISTERS_HEX = '00'.repeat(4 * 64);

export function reply(target: DebugTarget | undefined, command: string): string {
  if (command.startsWith('qSupported')) return 'PacketSize=4000;qXfer:features:read-';
  if (command === 'D' || command === 'k') return 'OK';
  if (!target) return 'E01';
  if (command === '?') return 'S05';
  if (!target.debugEnabled) return 'E01';
  if (command === 'g') return REGISTERS_HEX;
  const m = /^m([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(command);
  if (m) {
    const bytes = target.readMemory(parseInt(m[1]!, 16), Math.min(parseInt(m[2]!, 16), 0x1000));
    return bytes ? hexOf(bytes) : 'E14';
  }
  return ''; // unsupported: the empty reply, as the protocol says
}

/** A gdbserver on a loopback port of its own. */
export async function startGdbServer(
  target: DebugTarget | undefined,
): Promise<{ port: number; close: () => Promise<void> }> {
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
  const port = await listenLoopback(server);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
