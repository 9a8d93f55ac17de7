/** What a person watching a run sees: one line per check as it happens, colour on a terminal. */
import type { Verdict } from '../verdict.ts';
import type { SuiteResult } from './summary.ts';
import type { Check } from './tap-results.ts';

export interface Progress {
  info(message: string): void;
  suiteStart(board: string, suite: string): void;
  check(board: string, suite: string, check: Check): void;
  suiteEnd(result: SuiteResult): void;
}

const MARKS: Record<Verdict, { colour: string; tty: string; plain: string }> = {
  pass: { colour: '32', tty: '✓ ok  ', plain: 'ok  ' },
  fail: { colour: '31', tty: '✗ FAIL', plain: 'FAIL' },
  skip: { colour: '33', tty: '○ skip', plain: 'skip' },
  inconclusive: { colour: '35', tty: '? could not test', plain: 'INCONCLUSIVE' },
};

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true && !process.env.NO_COLOR;
  const paint = (code: string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
  const mark = (c: Check) => paint(MARKS[c.verdict].colour, tty ? MARKS[c.verdict].tty : MARKS[c.verdict].plain);
  const line = (text: string) => stream.write(`${text}\n`);
  return {
    info: (message) => line(message),
    suiteStart: (board, suite) => line(paint('1', `${board} / ${suite}`)),
    // Boards run side by side, so every line names its board.
    check: (board, _suite, c) => {
      const why = c.reason ? ` (${c.reason})` : '';
      const provisions = c.provisions.length ? paint('2', `  [${c.provisions.join(', ')}]`) : '';
      line(`  ${paint('2', board)} ${mark(c)} ${c.title}${why}${provisions}`);
      if (c.verdict === 'fail' || c.verdict === 'inconclusive') {
        for (const [key, value] of Object.entries(c.evidence).slice(0, 6)) {
          const shown = typeof value === 'string' ? value : JSON.stringify(value);
          line(paint('2', `         ${key}: ${shown.length > 300 ? `${shown.slice(0, 300)}...` : shown}`));
        }
      }
    },
    suiteEnd: (r) => {
      if (r.error) line(paint('31', `  ${r.board} ! ${r.error}`));
      const counts = `${r.pass} passed, ${r.fail} failed, ${r.skip} skipped, ${r.inconclusive} could not be tested`;
      line(`${paint('1', `${r.board} / ${r.suite}`)}: ${counts} (${r.tap})`);
    },
  };
}
