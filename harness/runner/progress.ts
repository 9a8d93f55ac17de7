/** What a person watching a run sees: one line per check as it happens, colour on a terminal. */
import type { Check } from './tap-results.ts';
import type { SuiteResult } from './summary.ts';

export interface Progress {
  info(message: string): void;
  suiteStart(board: string, suite: string): void;
  check(board: string, suite: string, check: Check): void;
  suiteEnd(result: SuiteResult): void;
}

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true && !process.env.NO_COLOR;
  const paint = (code: string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
  const mark = (c: Check) =>
    c.skip
      ? paint('33', tty ? '○ skip' : 'skip')
      : c.ok
        ? paint('32', tty ? '✓ ok  ' : 'ok  ')
        : paint('31', tty ? '✗ FAIL' : 'FAIL');
  const line = (text: string) => stream.write(`${text}\n`);
  return {
    info: (message) => line(message),
    suiteStart: (board, suite) => line(paint('1', `${board} / ${suite}`)),
    // Boards run side by side, so every line names its board.
    check: (board, _suite, c) => {
      const why = c.skip ? ` (${c.skip})` : '';
      const provisions = c.provisions.length ? paint('2', `  [${c.provisions.join(', ')}]`) : '';
      line(`  ${paint('2', board)} ${mark(c)} ${c.name}${why}${provisions}`);
      if (!c.ok && !c.skip) {
        for (const [key, value] of Object.entries(c.evidence).slice(0, 6)) {
          const shown = typeof value === 'string' ? value : JSON.stringify(value);
          line(paint('2', `         ${key}: ${shown.length > 300 ? `${shown.slice(0, 300)}...` : shown}`));
        }
      }
    },
    suiteEnd: (r) => {
      if (r.error) line(paint('31', `  ${r.board} ! ${r.error}`));
      line(
        `${paint('1', `${r.board} / ${r.suite}`)}: ${r.pass} passed, ${r.fail} failed, ${r.skip} skipped (${r.tap})`,
      );
    },
  };
}
