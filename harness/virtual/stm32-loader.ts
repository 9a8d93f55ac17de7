/**
 * A virtual STM32 system-memory bootloader on the board's boot UART (AN3155), answering only while
 * the board was reset with BOOT0 held: Get, Get Version, Get ID, Read Memory, Write Memory, Extended
 * Erase and Go over the chip's flash (stm32-flash.ts). Under readout protection level 1 it refuses
 * Read and Write Memory and erases; at level 2 the system memory cannot be booted at all, so it never
 * answers. Debian's stm32flash is the independent client it is tested against.
 */
import {
  ACK,
  CMD,
  decodeExtendedErase,
  extendedEraseLength,
  isValidAddress,
  isValidCommand,
  MASS_ERASE,
  NACK,
  SYNC,
  writeBlockData,
} from '../wire/an3155.ts';
import type { DebugTarget } from './gdb-server.ts';
import type { Stm32Flash } from './stm32-flash.ts';

const COMMANDS = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92];

type Step =
  | { kind: 'command' }
  | { kind: 'address'; next: 'read' | 'write' | 'go' }
  | { kind: 'length'; address: number }
  | { kind: 'block'; address: number }
  | { kind: 'erase' };

/**
 * The same chip's SWD port behind a probe's gdbserver: open at readout protection level 0; from level 1
 * the core halts but every read is refused (level 2 disables SWD outright: the server still sees the
 * target's voltage and refuses, which is what a gdbserver in front of such a chip reports).
 */
export const stm32DebugTarget = (rdpLevel: 0 | 1 | 2, flash: Stm32Flash): DebugTarget => ({
  debugEnabled: rdpLevel === 0,
  readMemory: (address, length) => flash.read(address, length),
});

export class VirtualStm32Loader {
  private synced = false;
  private pending = Buffer.alloc(0);
  private step: Step = { kind: 'command' };
  /** Commands received, so a test can see that Readout Unprotect was never sent. */
  readonly received: number[] = [];

  constructor(
    private readonly active: () => boolean,
    private readonly rdpLevel: 0 | 1 | 2,
    private readonly reply: (bytes: Buffer) => void,
    private readonly flash: Stm32Flash,
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

  /** How many bytes the current step takes, once enough of it has come to tell; undefined until then. */
  private need(): number | undefined {
    const { step, pending } = this;
    if (step.kind === 'address') return 5;
    if (step.kind === 'block') return pending.length >= 1 ? pending[0]! + 3 : undefined;
    if (step.kind === 'erase') return pending.length >= 2 ? extendedEraseLength(pending.readUInt16BE(0)) : undefined;
    return 2;
  }

  private advance(): void {
    const need = this.need();
    if (need === undefined || this.pending.length < need) return;
    const bytes = this.pending.subarray(0, need);
    this.pending = this.pending.subarray(need);
    const step = this.step;
    this.step = { kind: 'command' };
    switch (step.kind) {
      case 'command':
        return this.command(bytes);
      case 'address': {
        if (!isValidAddress(bytes)) return this.nack();
        const address = bytes.readUInt32BE(0);
        if (step.next !== 'go' && !this.flash.holds(address, 1)) return this.nack();
        if (step.next === 'read') this.step = { kind: 'length', address };
        if (step.next === 'write') this.step = { kind: 'block', address };
        // Go: the application at `address` runs; the bootloader answers no more until the next reset.
        return this.ack();
      }
      case 'length': {
        if ((bytes[0]! ^ bytes[1]!) !== 0xff) return this.nack();
        const data = this.flash.read(step.address, bytes[0]! + 1);
        return data ? this.reply(Buffer.concat([Buffer.from([ACK]), data])) : this.nack();
      }
      case 'block': {
        const data = writeBlockData(bytes);
        return data && this.flash.write(step.address, data) ? this.ack() : this.nack();
      }
      case 'erase': {
        const pages = decodeExtendedErase(bytes);
        if (pages === MASS_ERASE) this.flash.eraseAll();
        else if (!pages || !this.flash.eraseSectors(pages)) return this.nack();
        return this.ack();
      }
    }
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
      case CMD.WRITE_MEMORY:
        if (this.rdpLevel >= 1) return this.nack(); // AN3155: refused while readout protection is active
        this.step = { kind: 'address', next: command === CMD.READ_MEMORY ? 'read' : 'write' };
        return this.ack();
      case CMD.EXTENDED_ERASE:
        if (this.rdpLevel >= 1) return this.nack();
        this.step = { kind: 'erase' };
        return this.ack();
      case CMD.GO:
        this.step = { kind: 'address', next: 'go' };
        return this.ack();
      default:
        return this.nack();
    }
  }

  private ack(): void {
    this.reply(Buffer.from([ACK]));
  }

  private nack(): void {
    this.step = { kind: 'command' };
    this.reply(Buffer.from([NACK]));
  }
}
