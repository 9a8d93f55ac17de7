/** What a boot showed: its lines, whether it reached ready, and the reset reason and version it reported. */
import type { BoardProfile } from './config/load.ts';
import type { CrashSeen } from './console/console.ts';
import type { HilError } from './errors.ts';

export interface BootRecord {
  /** Every line from the power cycle (or reset) to the ready line or the deadline. */
  lines: string[];
  bannerSeen: boolean;
  ready: boolean;
  /** Milliseconds from power-on to the ready line. */
  readyAfterMs?: number;
  /** The reset code of the last boot before ready (a crash-reboot shows here, not the power-on). */
  resetCode?: number;
  resetKind?: string;
  version?: string;
  crashes: CrashSeen[];
  deadlineMs: number;
  failure?: HilError;
}

/** The reset reason and version the boot's lines report, by the profile's patterns. */
export function readIdentity(profile: BoardProfile, record: BootRecord): void {
  const boot = profile.boot;
  for (const line of record.lines) {
    const reset = boot.resetReason?.exec(line);
    // The profile's reset-reason group 1 is the code in hexadecimal, as ROMs print it.
    if (reset?.[1]) record.resetCode = parseInt(reset[1].replace(/^0x/i, ''), 16);
    const version = boot.version?.exec(line);
    if (version) record.version = version[1] ?? version[0];
  }
  if (record.resetCode !== undefined) {
    const kinds = Object.entries(profile.resetReasons);
    record.resetKind = kinds.find(([, codes]) => codes?.includes(record.resetCode!))?.[0] ?? 'unknown';
  }
}
