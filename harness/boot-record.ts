/**
 * What a boot showed, judged line by line as the lines arrive: nothing depends on a bounded history
 * still holding a line when the check looks (a red flag followed by megabytes of output is still
 * seen). Kept: the last lines for evidence, and for each of the profile's boot patterns (reset
 * reason, version, red flags, required lines) the lines it matched, bounded.
 */
import { type BoardProfile, bootMarker } from './config/load.ts';
import type { Console, CrashSeen } from './console/console.ts';
import { matchableText as visible } from './console/escape.ts';
import { afterStalePrompt } from './console/stale-prompt.ts';
import { HilError } from './util/errors.ts';

export interface BootRecord {
  /** The last lines of the boot (bounded), from the power cycle or reset to the ready line or the deadline. */
  lines: string[];
  /** How many lines the boot had in all, the unfinished line that matched ready included. */
  lineCount: number;
  /** The lines a boot pattern of the profile matched: the first few and the latest. */
  hits(pattern: RegExp): string[];
  bannerSeen: boolean;
  ready: boolean;
  /** Milliseconds from power-on to the ready line. */
  readyAfterMs?: number;
  /** The reset code of the last boot before ready (a crash-reboot shows here, not the power-on). */
  resetCode?: number;
  resetKind?: string;
  version?: string;
  /** The profile's boot.build-id group 1: the build's hash as the boot printed it. */
  buildId?: string;
  /** The profile's identity line group 1, where the boot printed it (a MAC). */
  identity?: string;
  crashes: CrashSeen[];
  deadlineMs: number;
  failure?: HilError;
  /** The console's port went away while the boot was followed: what it said. */
  portLost?: string;
}

const TAIL_LINES = 100;
const HITS_KEPT = 10;

/** Collects a boot's lines as they arrive; `record()` gives the BootRecord. */
export class BootWatch {
  private readonly tail: string[] = [];
  private count = 0;
  private readonly matches = new Map<RegExp, string[]>();
  portLost: string | undefined;

  constructor(private readonly profile: BoardProfile) {
    const { resetReason, version, buildId, redFlags, required } = profile.boot;
    const identity = profile.identity?.pattern;
    for (const pattern of [resetReason, version, buildId, identity, ...redFlags, ...required])
      if (pattern) this.matches.set(pattern, []);
  }

  /** One line of the boot, as patterns see it (escapes removed). */
  line(text: string): void {
    this.count++;
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    for (const [pattern, lines] of this.matches) {
      if (!pattern.test(text)) continue;
      // The first few, and always the latest: the reset reason that counts is the last one printed.
      if (lines.length >= HITS_KEPT) lines.pop();
      lines.push(text);
    }
  }

  record(
    fields: Pick<BootRecord, 'bannerSeen' | 'ready' | 'crashes' | 'deadlineMs'> & Partial<BootRecord>,
  ): BootRecord {
    const matches = this.matches;
    const record: BootRecord = {
      ...fields,
      lines: [...this.tail],
      lineCount: this.count,
      hits: (pattern) => [...(matches.get(pattern) ?? [])],
      ...(this.portLost ? { portLost: this.portLost } : {}),
    };
    const { resetReason, version } = this.profile.boot;
    // The profile's reset-reason group 1 is the code in hexadecimal, as ROMs print it.
    const reset = resetReason ? resetReason.exec(matches.get(resetReason)?.at(-1) ?? '') : null;
    if (reset?.[1]) {
      const code = parseInt(reset[1].replace(/^0x/i, ''), 16);
      record.resetCode = code;
      record.resetKind = resetKindOf(this.profile, code);
    }
    // Each the last line its pattern matched: group 1, or the whole match.
    const last = (pattern: RegExp | undefined) => {
      const line = pattern ? matches.get(pattern)?.at(-1) : undefined;
      const found = line ? pattern!.exec(line) : null;
      return found ? (found[1] ?? found[0]) : undefined;
    };
    const seen = {
      version: last(version),
      buildId: last(this.profile.boot.buildId),
      identity: last(this.profile.identity?.pattern),
    };
    for (const [field, value] of Object.entries(seen))
      if (value !== undefined) record[field as keyof typeof seen] = value;
    return record;
  }
}

/** A reset code as the profile reads it: one code per kind, or a register of flags (first kind set wins). */
export function resetKindOf(profile: BoardProfile, code: number): string {
  if (profile.resetFlags) {
    const kinds = Object.entries(profile.resetFlags);
    // >>> 0: bit 31 (LPWRRSTF) would make a signed 32-bit value negative.
    return kinds.find(([, bits]) => bits?.some((bit) => ((code >>> bit) & 1) === 1))?.[0] ?? 'unknown';
  }
  const kinds = Object.entries(profile.resetReasons);
  return kinds.find(([, codes]) => codes?.includes(code))?.[0] ?? 'unknown';
}

/**
 * A boot inside lines already collected (a command whose answer ran on through a restart, as an
 * OTA that reboots into the new image): from the last banner on; undefined when there is none.
 */
export function bootInLines(profile: BoardProfile, lines: string[]): BootRecord | undefined {
  const { ready, deadlineMs } = profile.boot;
  const banner = bootMarker(profile.boot);
  let start = lines.length - 1;
  while (start >= 0 && !banner.test(lines[start]!)) start--;
  if (start === -1) return undefined;
  const watch = new BootWatch(profile);
  for (const line of lines.slice(start)) watch.line(line);
  return watch.record({
    bannerSeen: true,
    ready: lines.slice(start).some((l) => ready.test(l)),
    crashes: [],
    deadlineMs,
  });
}

/**
 * Follow a boot on a console from `from.mark` (where the power-on or reset happened) to the ready line
 * within the profile's deadline, surviving a crash and reboot on the way (it is recorded, and the later
 * boot's reset reason is the one kept). Every line is judged as it arrives, the unfinished one that
 * matched ready included. The banner may run on after a stale prompt (stale-prompt.ts); the ready line
 * comes after the banner's line, so that prompt is never taken for it.
 */
export async function followBoot(
  console: Console,
  profile: BoardProfile,
  step: string,
  from: { mark: number; started: number },
): Promise<BootRecord> {
  const boot = profile.boot;
  const { mark, started } = from;
  const watch = new BootWatch(profile);
  // What arrived between the mark and now is still in the history; the rest is watched live.
  for (const line of console.linesSince(mark)) watch.line(visible(line));
  const replayed = console.lineCount;
  const onLine = (text: string, index: number) => {
    if (index >= replayed) watch.line(visible(text));
  };
  const onGone = (why: string) => {
    watch.portLost ??= why;
  };
  console.on('line', onLine);
  console.on('gone', onGone);
  const fields: Parameters<BootWatch['record']>[0] = {
    bannerSeen: false,
    ready: false,
    crashes: [],
    deadlineMs: boot.deadlineMs,
  };
  // The deadline is of the board's running time: a debugger's halts (fuzz coverage) are not counted.
  // Each wait adds the halts during it, but the ready line's is what the banner's wait left.
  const haltedBefore = console.haltedMs;
  const remaining = () => Math.max(1, boot.deadlineMs - (Date.now() - started - (console.haltedMs - haltedBefore)));
  const crashesBefore = console.crashes.length;
  try {
    // From the mark on: another exchange may have read past the boot's lines meanwhile.
    const stalePrompts = boot.banner ? [profile.console.prompt, boot.ready].filter((p) => p !== undefined) : [];
    const banner = await console.expect(afterStalePrompt(bootMarker(boot), stalePrompts), {
      timeout: remaining(),
      step: `${step}: boot banner`,
      allowCrash: true,
      since: mark,
    });
    fields.bannerSeen = true;
    // A banner on a line that ended: the ready line is a later one (its unfinished line's rest is the console's).
    const afterBanner = boot.banner && banner.index < console.lineCount ? banner.index + 1 : banner.index;
    const ready = await console.expect(boot.ready, {
      timeout: remaining(),
      step: `${step}: ready line`,
      allowCrash: true,
      since: afterBanner,
    });
    // A ready pattern may match a line that has not ended (a prompt, a countdown): it is part of the boot.
    if (ready.index >= console.lineCount) watch.line(ready.line);
    fields.ready = true;
    fields.readyAfterMs = Date.now() - started;
  } catch (error) {
    if (!(error instanceof HilError)) throw error;
    fields.failure = error;
  } finally {
    console.off('line', onLine);
    console.off('gone', onGone);
  }
  fields.crashes = console.crashes.slice(crashesBefore);
  return watch.record(fields);
}
