/**
 * Putting a build on a board by the first path the board offers: its own update path first (what
 * the product ships with), then the development paths of a board not yet locked (the ESP ROM
 * loader, the STM32 system bootloader, OpenOCD on the debug probe, a QEMU board's image). Each path
 * that is not a way to this board says why; when none is, the error lists them all. What was
 * written is named by the file's SHA-256, and how it was verified.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Board } from '../board.ts';
import { flashEspRom } from './esp-rom.ts';
import { flashOpenOcd } from './openocd.ts';
import { flashQemuImage } from './qemu-image.ts';
import { flashStm32Loader } from './stm32-loader.ts';
import type { FlashOutcome, FlashPath, Progress } from './outcome.ts';
import { deployByUpdatePath } from './update-path.ts';

/** A build larger than any flash hil drives (16 MiB) is not read. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/** A build file's bytes, or a one-line reason it cannot be one (missing, empty, too large). */
export function readBuild(file: string): Buffer | { problem: string } {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    return {
      problem: `cannot read the build ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
  if (size === 0 || size > MAX_IMAGE_BYTES)
    return { problem: `the build ${file} is ${size} bytes: an image is 1 byte to ${MAX_IMAGE_BYTES}` };
  return readFileSync(file);
}

/** Where an ESP-IDF application partition starts in the default partition table. */
export const DEFAULT_APP_OFFSET = 0x10000;
/** An STM32 image starts at the flash's base (its vector table), offset 0. */
const STM32_DEFAULT_OFFSET = 0;

/** The paths in the order they are tried; `hil flash --path` names one to use alone. */
export const DEPLOY_PATHS = ['update', 'esp-rom', 'stm32-loader', 'openocd', 'qemu-image'] as const;
export type DeployPath = (typeof DEPLOY_PATHS)[number];

export interface Deployed {
  path: FlashPath;
  verifiedBy: string;
  /** The file's own SHA-256: the build, whatever path carried it. */
  sha256: string;
  bytes: number;
  /** Paths that were not a way to this board, before the one that was. */
  passedOver: { path: string; why: string }[];
}

export async function deploy(
  board: Board,
  image: Buffer,
  options: { offset?: number; only?: DeployPath },
  progress: Progress,
): Promise<Deployed> {
  const sha256 = createHash('sha256').update(image).digest('hex');
  const passedOver: Deployed['passedOver'] = [];
  const paths: [DeployPath, string, () => Promise<FlashOutcome>][] = [
    ['update', 'update path', () => deployByUpdatePath(board, image, progress)],
    [
      'esp-rom',
      'ESP ROM loader',
      async () =>
        board.profile.debug.romLoader === 'esp32'
          ? flashEspRom(board, image, options.offset ?? DEFAULT_APP_OFFSET, progress)
          : { unavailable: `the profile's ROM loader is ${board.profile.debug.romLoader ?? 'none'}, not esp32` },
    ],
    [
      'stm32-loader',
      'STM32 system bootloader',
      () => flashStm32Loader(board, image, options.offset ?? STM32_DEFAULT_OFFSET, progress),
    ],
    ['openocd', 'OpenOCD', () => flashOpenOcd(board, image, options.offset ?? STM32_DEFAULT_OFFSET, progress)],
    ['qemu-image', 'QEMU image', () => flashQemuImage(board, image, progress)],
  ];
  for (const [key, name, attempt] of paths) {
    if (options.only && options.only !== key) continue;
    const outcome = await attempt();
    if ('written' in outcome) return { ...outcome.written, sha256, bytes: image.length, passedOver };
    progress(`flash: ${name}: not a way to this board: ${outcome.unavailable}`);
    passedOver.push({ path: name, why: outcome.unavailable });
  }
  throw board.failure(
    'flash',
    'a path that can put the build on this board',
    passedOver.map((p) => `${p.path}: ${p.why}`).join('; '),
  );
}
