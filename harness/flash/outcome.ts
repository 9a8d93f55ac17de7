/** What one flashing path did: wrote and verified the build, or is not a way to this board (and why). */
export type FlashOutcome =
  | { written: { path: FlashPath; verifiedBy: string; offset?: number } }
  | { unavailable: string };

export type FlashPath = 'smp' | 'esp-ota' | 'esp-rom' | 'stm32-loader' | 'openocd' | 'qemu-image' | 'already-running';

export type Progress = (text: string) => void;
