/**
 * An update path: how an image reaches a board and how the harness then learns what the board
 * runs. Every path ends the same way: the board boots, and what it runs is read from two sources
 * (its boot log's version line, and the path's own: the SMP image list, or the firmware's version
 * command), which must agree.
 */
import type { Board, BootRecord } from '../board.ts';
import type { Candidate } from './variants.ts';

export interface Running {
  /** From the boot log (the profile's version pattern); undefined when it printed none. */
  bootVersion: string | undefined;
  /** From the path's own source; undefined when it gave none. */
  pathVersion: string | undefined;
  /** What the path lists the running image by (MCUboot: its hash TLV, SHA-256 or SHA-512). */
  id: Buffer | undefined;
  /** Whether the running image is confirmed (not on a test boot that reverts at the next reset). */
  confirmed: boolean;
  ready: boolean;
  /** How many lines the boot printed: none means the console or the board is not there. */
  printed: number;
  /** The bootloader's and application's lines about slots, swaps, versions and signatures. */
  updateLines: string[];
  tail: string[];
}

export interface Attempt {
  /** Where the device said no before any reboot, and in its words (an SMP error name, a log line). */
  refusedAt?: string;
  deviceSaid?: string;
  /** What shows the image reached the device (the image list naming it, the whole file fetched). */
  delivered?: string;
  /** What shows the device turned it away (its error, the bootloader's lines, the slot it left). */
  rejected?: string;
  running: Running;
}

export interface UpdatePath {
  /** The second source, as evidence names it. */
  readonly source: string;
  /**
   * The update slots in a known state before the first offer: what an earlier run left there (a
   * half-written upload, a test boot asked for) finished or cleared. Says what it found and did;
   * undefined where there was nothing to clear.
   */
  prepare(step: string): Promise<Record<string, unknown> | undefined>;
  /** What the board runs now (after a restart where the path needs one to tell). */
  running(step: string): Promise<Running>;
  /** What the path lists as running without a restart (SMP's image list); absent where it cannot tell. */
  listNow?(step: string): Promise<Running>;
  offer(image: Candidate, step: string): Promise<Attempt>;
  /** Whether `r` is `image`, running for good. */
  runs(r: Running, image: Candidate): boolean;
  /** After an attempt: back to `current`, or a HilError. */
  restore(current: Candidate, last: Running, step: string): Promise<void>;
  /** The positive control's last step: keep an image that booted (confirm it), and read again. */
  keep(image: Candidate, step: string): Promise<Running>;
  close(): Promise<void>;
}

const UPDATE_LINES = /slot|swap|image|version|counter|downgrade|signature|valid|magic|revert|ota|rollback/i;

/**
 * Versions as MCUboot's image_version fields: major, minor, revision and build number, a missing one
 * 0. imgtool and an application's boot line write the build as `1.2.3+4`, Zephyr's image list as
 * `1.2.3.4`: the same version; `1.4.2` is not `1.4.2+3`. Anything else is compared as text.
 */
export function sameVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const [x, y] = [imageVersion(a), imageVersion(b)];
  if (!x || !y) return a.trim() === b.trim();
  return x.every((field, i) => field === y[i]);
}

function imageVersion(text: string): number[] | undefined {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+)(?:\.(\d+))?)?)?(?:\+(\d+))?$/.exec(text.trim());
  if (!m || (m[4] !== undefined && m[5] !== undefined)) return undefined;
  return [m[1], m[2], m[3], m[4] ?? m[5]].map((f) => Number(f ?? 0));
}

/** The boot's side of Running; the path adds its own source. */
export function fromBoot(boot: BootRecord): Omit<Running, 'pathVersion' | 'id' | 'confirmed'> {
  return {
    bootVersion: boot.version,
    ready: boot.ready,
    printed: boot.lineCount,
    updateLines: boot.lines.filter((l) => UPDATE_LINES.test(l)).slice(-12),
    tail: boot.lines.slice(-8),
  };
}

/** The running version by the profile's `version` action, where it has one. */
export async function versionByCommand(board: Board): Promise<string | undefined> {
  const pattern = board.profile.boot.version;
  if (!board.hasAction('version') || !pattern) return undefined;
  const answer = await board.action('version', {}).catch(() => undefined);
  return answer?.lines.map((l) => pattern.exec(l)?.[1]).find((v) => v !== undefined);
}
