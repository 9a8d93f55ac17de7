/**
 * The board as it is after a clean power cycle, before any trial: which red flags its boot prints,
 * which required lines it lacks, whether it names a reset reason, and which of the profile's own debug
 * commands it obeys. A trial is judged on what changed; what was so before it is the subject of
 * boot-log and debug-interfaces, and is named in the trial's evidence rather than blamed on the cut.
 */
import type { Board, BootRecord } from '../board.ts';
import { obeyedFirmwareCommands } from '../probes/console-probe.ts';

export interface Baseline {
  /** The version the clean boot reported ('' when none). */
  version: string;
  /** Red-flag patterns the clean boot matched, with the line. */
  redFlags: Map<RegExp, string>;
  /** Required-line patterns the clean boot lacked. */
  missing: Set<RegExp>;
  /** The clean boot printed no reset reason line, though the profile has a pattern for it. */
  noResetReason: boolean;
  /** The profile's debug commands the board obeyed before any trial. */
  obeyed: Set<string>;
}

/** Read the baseline from a clean boot that reached its ready line, and ask the profile's debug commands. */
export async function recordBaseline(board: Board, boot: BootRecord): Promise<Baseline> {
  const { redFlags, required, resetReason } = board.profile.boot;
  return {
    version: boot.version ?? '',
    redFlags: new Map(
      redFlags.flatMap((p) =>
        boot
          .hits(p)
          .slice(0, 1)
          .map((line) => [p, line] as const),
      ),
    ),
    missing: new Set(required.filter((p) => boot.hits(p).length === 0)),
    noResetReason: resetReason !== undefined && boot.resetCode === undefined,
    obeyed: new Set((await obeyedFirmwareCommands(board)).map((p) => p.sent)),
  };
}

const BEFORE = 'at the clean boot before the trials too';

/** Words for the evidence: a finding that was already so before the trial, and the suite that judges it. */
export const already = {
  redFlag: (line: string) => `red flag "${line}" ${BEFORE}: judged by boot-log/no-red-flag`,
  missing: (pattern: RegExp) =>
    `required line /${pattern.source}/ missing ${BEFORE}: judged by boot-log/required-lines`,
  noResetReason: () => `no reset reason line ${BEFORE}: judged by boot-log/power-on-reset`,
  obeyed: (sent: string) => `"${sent}" obeyed before the trials too: judged by debug-interfaces/console`,
};
