/**
 * What the virtual board's ESP32-style firmware prints, as ESP-IDF and the ESP32 ROM print it: the
 * ROM's reset line, ESP_LOGx lines, panic output; and the memory its debug port would show.
 */
import { createHash } from 'node:crypto';

/** A made-up device key in the virtual board's RAM: what a debug port must not give away. */
const DEVICE_KEY = Buffer.from('hil-virtual-device-key-000000001');
const MEMORY: { base: number; bytes: Buffer }[] = [
  // The app image's esp_app_desc_t, mapped from flash (magic word 0xABCD5432).
  { base: 0x3f400020, bytes: Buffer.concat([Buffer.from([0x32, 0x54, 0xcd, 0xab]), Buffer.alloc(60)]) },
  { base: 0x3ffb0000, bytes: DEVICE_KEY },
];

/** Memory as a debugger sees it; undefined where nothing is mapped. */
export function readMapped(address: number, length: number): Buffer | undefined {
  const region = MEMORY.find((r) => address >= r.base && address + length <= r.base + r.bytes.length);
  return region?.bytes.subarray(address - region.base, address - region.base + length);
}

/** ESP32 ROM reset codes and names (esp-idf components/esp_rom/include/esp32/rom/rtc.h). */
const RESET_NAMES: Record<number, string> = {
  1: 'POWERON_RESET',
  12: 'SW_CPU_RESET',
  15: 'RTCWDT_BROWN_OUT_RESET',
};

/** The ESP32 ROM's boot-mode part of its banner, from the strapping pins it sampled (REFERENCE.md 2.2). */
export const DOWNLOAD_STRAPPING = 'boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))';
export const FLASH_STRAPPING = 'boot:0x13 (SPI_FAST_FLASH_BOOT)';

export function romBanner(resetCode: number, strapping: string): string {
  return `ets Jun  8 2016 00:22:57\r\n\r\nrst:0x${resetCode.toString(16)} (${RESET_NAMES[resetCode]}),${strapping}\r\n`;
}

/** What the ROM prints as it loads the second-stage bootloader from flash (ESP32, DIO flash). */
export const SECOND_STAGE_LOAD =
  'configsip: 0, SPIWP:0xee\r\nclk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n' +
  'mode:DIO, clock div:2\r\nload:0x3fff0030,len:7112\r\nentry 0x40080698\r\n';

/** An ESP_LOGx line, with the colour codes ESP-IDF prints by default (CONFIG_LOG_COLORS). */
export function espLog(level: 'I' | 'W' | 'E', uptimeMs: number, tag: string, message: string): string {
  const colour = level === 'E' ? '31' : level === 'W' ? '33' : '32';
  return `\x1b[0;${colour}m${level} (${uptimeMs}) ${tag}: ${message}\x1b[0m\r\n`;
}

/** ESP-IDF's panic handler output (fatal-errors.rst), ending in its restart. */
export function panicText(cause: string, pc: string): string {
  return (
    `Guru Meditation Error: Core  0 panic'ed (${cause}). Exception was unhandled.\r\n\r\n` +
    `Core  0 register dump:\r\nPC      : ${pc}  PS      : 0x00060830  A0      : 0x800d0f4e  A1      : 0x3ffb5580\r\n\r\n` +
    `Backtrace: ${pc}:0x3ffb5580 0x400d0f4b:0x3ffb55a0 0x4008a1c2:0x3ffb55c0\r\n\r\n\r\nRebooting...\r\n`
  );
}

/** A virtual board's station MAC: Espressif's OUI and three bytes from its name, the same every start. */
export function virtualMac(board: string): string {
  const bytes = createHash('sha256').update(board).digest().subarray(0, 3);
  return ['24', '0a', 'c4', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
