import t from 'tap';
import { parseCommandLine } from '../harness/virtual/shell-line.ts';

t.same(parseCommandLine('cfg set hil.marker 42'), { ok: true, argv: ['cfg', 'set', 'hil.marker', '42'] });
t.same(parseCommandLine('echo "two words"  \'single $x\''), { ok: true, argv: ['echo', 'two words', 'single $x'] });
t.same(parseCommandLine('echo a\\ b ""'), { ok: true, argv: ['echo', 'a b', ''] });
t.same(parseCommandLine('   '), { ok: true, argv: [] });
t.same(parseCommandLine('echo "open'), { ok: false, error: 'unterminated " quote' });
t.same(parseCommandLine('echo x\\'), { ok: false, error: 'dangling backslash at column 7' });
