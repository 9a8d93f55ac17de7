// Patterns that a hostile line could make take exponential time are refused; the ones profiles use are not.
import t from 'tap';
import { nestedQuantifier } from '../harness/config/safe-regex.ts';
import { loadProfile } from '../harness/config/load.ts';

t.test('nested unbounded quantifiers are found', async (t) => {
  for (const unsafe of ['(a+)+$', '(x*)*', '(a|b+)*c', '((ab)+)+', '(\\d+){2,}', '(?:\\s*a)+b', '(.*,)*x']) {
    t.ok(nestedQuantifier(unsafe), `${unsafe} is refused`);
  }
  t.match(nestedQuantifier('^(a+)+$'), /\(a\+\)\+ repeats a group/);
});

t.test('patterns that repeat nothing unbounded inside a repeat are fine', async (t) => {
  for (const safe of [
    '^rst:0x([0-9a-f]+) \\(\\w+\\)',
    'App version:\\s+(\\S+)',
    '(ab)+',
    '(a{1,3})+',
    '(a+){3}',
    '[(a+)]+',
    '\\(a+\\)+',
    'Guru Meditation Error',
    '^(=>|U-Boot>) ?$',
  ]) {
    t.equal(nestedQuantifier(safe), undefined, `${safe} is allowed`);
  }
});

t.test("every shipped profile's patterns pass", async (t) => {
  for (const name of ['virtual', 'virtual-stm32', 'microbit-micropython']) {
    t.ok(loadProfile(`boards/${name}.yaml`), `${name} loads`);
  }
});
