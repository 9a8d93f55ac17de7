/**
 * What a virtual board's firmware is built with, from the rig: its flaws, its help, its version and
 * baud rate, its ROM loader and readout protection, its TLS trust, its update storage, its login.
 */
import type { HelpForm, VirtualFlaw } from '../config/schema.ts';
import type { UpdateOptions } from './update-storage.ts';

export interface FirmwareOptions {
  flaws: readonly VirtualFlaw[];
  helpForm: HelpForm | 'none';
  version: string;
  baud: number;
  /** The ROM loader behind the boot strap: answers everything, Secure Download Mode, or never starts. */
  downloadMode: 'open' | 'secure' | 'disabled';
  /** Which ROM loader the strap reaches: Espressif's on the console, or STM32's (silent here, on the boot UART). */
  romLoader: 'esp32' | 'stm32';
  /** STM32 readout protection: at level 2 the system bootloader is gone and BOOT0 is ignored. */
  rdpLevel: 0 | 1 | 2;
  /** What the firmware's TLS client trusts: the CA file and the pinned server key's SPKI SHA-256. */
  tls?: { caCert: string; pinSha256: string };
  /**
   * Update storage: MCUboot slots (the primary slot's image, the public key PEM it verifies with), or
   * ESP-IDF OTA partitions (the running app image, the Secure Boot V2 key digest in eFuse).
   */
  update?: UpdateOptions;
  /** The console `login` command's own credentials (from the rig; a random password without them). */
  login?: { user?: string; password?: string };
  /** The station MAC its Wi-Fi start-up names: what `hil doctor` knows this board by. */
  mac: string;
}
