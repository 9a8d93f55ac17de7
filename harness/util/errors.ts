/**
 * Errors that explain themselves: every failure the harness reports names the board, the step,
 * what was expected and what was seen, and where the full log is.
 */

export interface StepFailure {
  board: string;
  step: string;
  expected: string;
  seen: string;
  log?: string;
}

export class HilError extends Error {
  readonly detail: StepFailure;
  constructor(detail: StepFailure) {
    super(formatFailure(detail));
    this.name = 'HilError';
    this.detail = detail;
  }
}

export function formatFailure(f: StepFailure): string {
  const lines = [`[${f.board}] ${f.step}: expected ${f.expected}`, `  seen: ${f.seen}`];
  if (f.log) lines.push(`  log: ${f.log}`);
  return lines.join('\n');
}

/** A problem with a rig or profile file. The run cannot start: exit code 2, no stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * A command given something it cannot use (a missing option, a bad value, a file where a folder
 * belongs): the user's to fix, so `hil` says it in one line, with no stack trace, and exits 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
