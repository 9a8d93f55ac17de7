/**
 * The virtual board's update storage, one of two kinds: MCUboot slots behind mcumgr SMP on the
 * console, or ESP-IDF OTA partitions behind the `ota` command. The firmware asks it what version
 * runs, what the bootloader prints at reset, and hands it SMP frames and OTA commands.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { VirtualFlaw } from '../config/schema.ts';
import type { CommandContext } from './console-commands.ts';
import { EspOtaSlots } from './esp-ota.ts';
import type { FlashWriter } from './flash.ts';
import { Mcuboot, SLOT_SIZE } from './mcuboot.ts';
import type { SpiFlash } from './spi-flash.ts';

/** Where the application's partition starts ("Loaded app from partition at offset 0x10000"). */
export const APP_OFFSET = 0x10000;
import { SmpServer } from './smp-server.ts';
import { ZephyrSmpServer } from './zephyr-smp.ts';

/**
 * MCUboot slots, served by an ideal mcumgr server or one that behaves as Zephyr's (rig option
 * `mcumgr`), with the secondary slot's size; or ESP-IDF OTA partitions.
 */
export type UpdateOptions =
  | { kind: 'mcuboot'; primary: Buffer; trustedKey: string; mcumgr: 'ideal' | 'zephyr'; slotBytes: number }
  | { kind: 'esp-ota'; image: Buffer; keyDigest: Buffer };

/** What the firmware hands SMP frames to, and tells of a reset. */
export interface SmpService {
  frame(line: string): void;
  restart(): void;
}

/** A line the bootloader prints: as an ESP_LOGI line with its tag, or as it is (MCUboot's `I: ...`). */
export interface BootLine {
  tag?: string;
  text: string;
}

export class UpdateStorage {
  readonly smp: SmpService | undefined;
  private readonly mcuboot: Mcuboot | undefined;
  private readonly ota: EspOtaSlots | undefined;

  constructor(
    options: UpdateOptions,
    flaws: readonly VirtualFlaw[],
    io: { send(frame: Buffer): void; reset(): void; caCert?: string },
  ) {
    if (options.kind === 'mcuboot') {
      this.mcuboot = new Mcuboot(options.primary, createPublicKey(options.trustedKey), flaws);
      this.smp =
        options.mcumgr === 'zephyr'
          ? new ZephyrSmpServer(this.mcuboot, io, options.slotBytes)
          : new SmpServer(
              this.mcuboot,
              io.send,
              io.reset,
              flaws.includes('smp-length-reset') ? io.reset : undefined,
              flaws.includes('upload-discarded'),
            );
    } else {
      const ota = new EspOtaSlots(options.image, options.keyDigest, flaws);
      this.ota = ota;
      const ca = io.caCert ? readFileSync(io.caCert, 'utf8') : undefined;
      this.otaCommands = {
        update: (url) =>
          ca ? ota.update(url, ca) : Promise.resolve({ lines: ['E ota: no CA configured'], reboot: false }),
        confirm: () => ota.confirm(),
      };
    }
  }

  /** The `ota` command's back end, on OTA boards. */
  readonly otaCommands: CommandContext['ota'];

  get version(): string {
    return this.mcuboot?.runningVersion ?? this.ota!.version;
  }

  /**
   * At reset, before the bootloader: an image the ROM loader wrote over the application partition is
   * what the primary slot now holds (MCUboot boards; an OTA board's partitions are its OTA's).
   */
  takeFlashed(flash: SpiFlash): void {
    if (this.mcuboot && flash.takeWritten(APP_OFFSET, SLOT_SIZE))
      this.mcuboot.writePrimary(flash.read(APP_OFFSET, SLOT_SIZE));
  }

  /** At reset: what the bootloader decides, prints and writes. */
  async boot(print: (line: BootLine) => Promise<void>, write: FlashWriter): Promise<void> {
    if (this.mcuboot) return this.mcuboot.boot({ line: (text) => print({ text }), write });
    for (const text of this.ota!.boot()) await print({ tag: 'boot', text });
  }

  /** Whether the image the bootloader jumped into was verified (an image cut half-way may not be). */
  get bootedVerified(): boolean {
    return this.mcuboot?.bootedVerified ?? true;
  }

  /**
   * The application's own lines about its image: ESP-IDF's `Secure version:` with anti-rollback, and
   * `ELF file SHA256:` with the first 16 hex digits of the build's hash, as ESP-IDF cuts it. (Real
   * firmware prints its ELF's hash; this board names its image by the image's: MCUboot's hash TLV,
   * or the OTA image's SHA-256.)
   */
  appLines(): string[] {
    const hash = this.mcuboot ? this.mcuboot.runningHash : createHash('sha256').update(this.ota!.image).digest();
    return [
      ...(this.ota ? [`Secure version:   ${this.ota.secureVersion}`] : []),
      ...(hash ? [`ELF file SHA256:  ${hash.toString('hex').slice(0, 16)}...`] : []),
    ];
  }
}
