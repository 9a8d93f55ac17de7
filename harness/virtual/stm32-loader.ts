/**
 * A virtual STM32 system-memory bootloader on the board's boot UART (AN3155), answering only while
 * the board was reset with BOOT0 held. Under readout protection level 1 it refuses Read Memory;
 * at level 2 the system memory cannot be booted at all, so it never answers.
 */
import { ACK, CMD, isValidAddress, isValidCommand, NACK, SYNC } from '../wire/an3155.ts';
import type { DebugTarget } from './gdb-server.ts';

const COMMANDS = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92];
const FLASH_BASE = 0x08000000;
/** The first words of an STM32 image: initial stack pointer, reset vector. */
const FLASH = Buffer.from('0050002019030008b1020008b3020008', 'hex');

/** Flash as a debugger reads it: the image's first words; undefined elsewhere. */
function readFlash(address: number, length: number): Buffer | undefined {
  const offset = address - FLASH_BASE;
  return offset >= 0 && offset + length <= FLASH.length ? FLASH.subarray(offset, offset + length) : undefined;
}

/**
 * The same chip's SWD port behind a probe's gdbserver: open at readout protection level 0; from level 1
 * the core halts but every read is refused (level 2 disables SWD outright: the server still sees the
 * target's voltage and refuses, which is what a gdbserver in front of such a chip reports).
 */
export const stm32DebugTarget = (rdpLevel: 0 | 1 | 2): DebugTarget => ({
  debugEnabled: rdpLevel === 0,
  readMemory: readFlash,
});

export class VirtualStm32Loader {
  private synced = false;
  private pending = Buffer.alloc(0);
  private step: { kind: 'command' } | { kind: 'address' } | { kind: 'length'; address: number } = { kind: 'command' };
  /** Commands received, so a test can see that Readout Unprotect was never sent. */
  readonly received: number[] = [];

  constructor(
    private readonly active: () => boolean,
    private readonly rdpLevel: 0 | 1 | 2,
    private readonly reply: (bytes: Buffer) => void,
  ) {}

  reset(): void {
    this.synced = false;
    this.pending = Buffer.alloc(0);
    this.step = { kind: 'command' };
  }

  input(chunk: Buffer): void {
    if (!this.active() || this.rdpLevel === 2) return;
    for (const byte of chunk) {
      if (!this.synced) {
        if (byte === SYNC) {
          this.synced = true;
          this.reply(Buffer.from([ACK]));
        }
        continue;
      }
      this.pending = Buffer.concat([this.pending, Buffer.from([byte])]);
      this.advance();
    }
  }

  private advance(): void {
    const need = this.step.kind === 'address' ? 5 : 2;
    if (this.pending.length < need) return;
    const bytes = this.pending.subarray(0, need);
    this.pending = this.pending.subarray(need);
    if (this.step.kind === 'command') return this.command(bytes);
    if (this.step.kind === 'address') {
      if (!isValidAddress(bytes)) return this.nack();
      this.step = { kind: 'length', address: bytes.readUInt32BE(0) };
      return this.reply(Buffer.from([ACK]));
    }
    const address = this.step.address;
    this.step = { kind: 'command' };
    if ((bytes[0]! ^ bytes[1]!) !== 0xff) return this.nack();
    const count = bytes[0]! + 1;
    const offset = address - FLASH_BASE;
    const data = Buffer.alloc(count);
    if (offset >= 0 && offset < FLASH.length) FLASH.copy(data, 0, offset);
    this.reply(Buffer.concat([Buffer.from([ACK]), data]));
  }

  private command(bytes: Buffer): void {
    if (!isValidCommand(bytes)) return this.nack();
    const command = bytes[0]!;
    this.received.push(command);
    switch (command) {
      case CMD.GET:
        return this.reply(Buffer.from([ACK, COMMANDS.length, 0x31, ...COMMANDS, ACK]));
      case CMD.GET_VERSION:
        return this.reply(Buffer.from([ACK, 0x31, 0x00, 0x00, ACK]));
      case CMD.GET_ID:
        return this.reply(Buffer.from([ACK, 0x01, 0x04, 0x13, ACK])); // 0x413: STM32F405/407
      case CMD.READ_MEMORY:
        if (this.rdpLevel >= 1) return this.nack(); // AN3155: refused while readout protection is active
        this.step = { kind: 'address' };
        return this.reply(Buffer.from([ACK]));
      default:
        return this.nack();
    }
  }

  private nack(): void {
    this.step = { kind: 'command' };
    this.reply(Buffer.from([NACK]));
  }
}
