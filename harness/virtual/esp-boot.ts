/**
 * The ESP-IDF boot script of the virtual firmware, from reset to its prompt: the ROM banner with the
 * strapping it sampled (a held boot strap enters the ROM loader), the 2nd stage bootloader, update
 * storage's own lines, Secure Boot's verification, the app's information, the ready line. Flaws
 * change it one line each. It runs within one power-on: its host's print and sleep end it at a power loss.
 */
import type { VirtualFlaw } from '../config/schema.ts';
import * as esp from './esp-log.ts';
import type { FirmwareOptions } from './firmware-options.ts';
import type { FlashWriter, SettingsStore } from './flash.ts';
import type { UpdateStorage } from './update-storage.ts';

/** How long the boot-countdown flaw waits for a key, as a bootloader's autoboot delay does. */
const COUNTDOWN_MS = 400;

/** The firmware as its boot script sees it, within one power-on. */
export interface BootHost {
  readonly options: Pick<FirmwareOptions, 'romLoader' | 'downloadMode' | 'rdpLevel' | 'mac'>;
  readonly bootStrapHeld: boolean;
  readonly settings: SettingsStore;
  readonly storage: UpdateStorage | undefined;
  readonly version: string;
  has(flaw: VirtualFlaw): boolean;
  print(text: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  log(level: 'I' | 'W' | 'E', tag: string, message: string): string;
  readonly flashWriter: FlashWriter;
  /** The chip runs its ROM or system loader from here on (STM32's: a new session of its protocol). */
  enterLoader(loader: 'esp32' | 'stm32'): void;
  /** The boot-countdown window opens (true), or closes with no key pressed (false). */
  countdown(open: boolean): void;
  /** Whether a key during the countdown stopped the boot at the bootloader's prompt. */
  readonly stoppedAtBootloader: boolean;
  panic(cause: string, pc: string): Promise<void>;
  /** The console listens: input that follows the ready line is read. */
  listening(): void;
}

export async function espBoot(host: BootHost, resetCode: number, prompt: string): Promise<void> {
  const { options } = host;
  await host.sleep(20);
  if (host.bootStrapHeld && options.romLoader === 'stm32' && options.rdpLevel < 2) {
    host.enterLoader('stm32'); // the system bootloader runs; the application console stays silent
    return;
  }
  // The ROM prints the strapping it sampled; with download mode disabled it then boots from flash.
  const strapping = host.bootStrapHeld && options.romLoader === 'esp32' ? esp.DOWNLOAD_STRAPPING : esp.FLASH_STRAPPING;
  await host.print(esp.romBanner(resetCode, strapping));
  if (strapping === esp.DOWNLOAD_STRAPPING && options.downloadMode !== 'disabled') {
    await host.print('waiting for download\r\n');
    host.enterLoader('esp32');
    return;
  }
  await host.print(esp.SECOND_STAGE_LOAD);
  await host.sleep(30);
  await host.print(host.log('I', 'boot', 'ESP-IDF v5.1.2 2nd stage bootloader'));
  if (host.has('boot-countdown')) {
    // The flaw: a bootloader with an autoboot delay, whose console a key press opens.
    host.countdown(true);
    await host.print('Hit any key to stop autoboot:  1');
    await host.sleep(COUNTDOWN_MS);
    if (host.stoppedAtBootloader) return; // a key stopped it (the firmware's bootloader input)
    host.countdown(false);
    await host.print('  0\r\n');
  }
  await host.print(host.log('I', 'boot', 'compile time Nov 20 2026 10:12:01'));
  for (const line of host.settings.boot()) await host.print(host.log('W', 'nvs', line));
  await host.storage?.boot(
    (line) => host.print(line.tag ? host.log('I', line.tag, line.text) : `${line.text}\r\n`),
    host.flashWriter,
  );
  // An image the bootloader jumped into unvalidated (a swap cut half-way, with that flaw) is not verified.
  if (!host.has('secure-boot-off') && host.storage?.bootedVerified !== false) {
    await host.print(host.log('I', 'secure_boot_v2', 'Verifying with RSA-PSS...'));
    await host.sleep(40);
    await host.print(host.log('I', 'secure_boot_v2', 'Signature verified successfully!'));
  }
  if (host.has('jtag-open'))
    await host.print(host.log('W', 'secure_boot', 'Not disabling JTAG - SECURITY COMPROMISED'));
  await host.print(host.log('I', 'boot', 'Loaded app from partition at offset 0x10000'));
  await host.sleep(30);
  await host.print(host.log('I', 'app_init', 'Application information:'));
  await host.print(host.log('I', 'app_init', 'Project name:     hil-virtual'));
  if (!host.has('no-version')) {
    await host.print(host.log('I', 'app_init', `App version:      ${host.version}`));
  }
  for (const line of host.storage?.appLines() ?? []) await host.print(host.log('I', 'app_init', line));
  await host.print(host.log('I', 'app_init', 'ESP-IDF:          v5.1.2'));
  if (host.has('boot-panic') && resetCode === 0x1) {
    // The flaw: first boot after power-on reads uninitialised RTC memory and faults.
    await host.panic('LoadProhibited', '0x400d3a2c');
    return;
  }
  await host.sleep(20);
  if (host.has('stalls-before-ready')) return; // the flaw: app_main waits forever on something it never gets
  await host.print(host.log('I', 'wifi', `mode : sta (${options.mac})`));
  await host.print(host.log('I', 'main_task', 'Calling app_main()'));
  // The console listens before it says so: input that follows the ready line is read.
  host.listening();
  await host.print('ready\r\n');
  await host.print(prompt);
}
