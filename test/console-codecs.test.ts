import t from 'tap';
import { escapeBytes, matchableText } from '../harness/console/escape.ts';
import { LineSplitter, lineReader } from '../harness/wire/lines.ts';
import { decodeRecords, encodeRecord, RECORD_HEADER_BYTES } from '../harness/console/records.ts';
import { cleanEvidence } from '../harness/evidence.ts';
import { Redactor } from '../harness/config/redact.ts';

t.test('escaping leaves only printable ASCII', async (t) => {
  const hostile = Buffer.from('ok \x1b[2J\x00\xff\\ <script>\r\t', 'latin1');
  const shown = escapeBytes(hostile);
  t.equal(shown, 'ok \\x1b[2J\\x00\\xff\\\\ <script>\\r\\t');
  t.match(shown, /^[\x20-\x7e]*$/, 'no control or non-ASCII byte survives');
  t.equal(
    matchableText('\x1b[0;32mI (31) boot: ready\x1b[0m'),
    'I (31) boot: ready',
    'colour codes do not reach patterns',
  );
  t.equal(matchableText('\x00rst:0x1'), 'rst:0x1', 'a leading NUL (micro:bit banners) does not break ^ anchors');
});

t.test('matchableText is the two-pass definition: escapes out, then every other control', async (t) => {
  // The definition, as regular expressions; the code does it in one pass and must agree everywhere.
  const reference = (text: string) =>
    text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  // Heavy on what the sequences are made of, so that whole, broken and nested ones all come up.
  const alphabet = [
    '\x1b',
    '[',
    '0',
    '9',
    ';',
    '?',
    ' ',
    '/',
    '@',
    'm',
    'Z',
    '\\',
    '_',
    '~',
    '\x00',
    '\x7f',
    '\t',
    '\n',
    'a',
    '\u00ff',
    '\u20ac',
  ];
  let seed = 1;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  let differing = 0;
  for (let i = 0; i < 20000; i++) {
    let text = '';
    for (let n = next() % 12; n > 0; n--) text += alphabet[next() % alphabet.length];
    if (matchableText(text) !== reference(text)) {
      if (differing++ < 3)
        t.fail('differs', { text: JSON.stringify(text), got: matchableText(text), want: reference(text) });
    }
  }
  t.equal(differing, 0, '20000 strings judged the same way');
  const clean = 'I (31) boot: ready';
  t.equal(matchableText(clean), clean, 'a line with no control is given back as it is');
});

t.test("a move back and an erase take away what they moved over: Zephyr's shell clearing its prompt", async (t) => {
  const log = '[00:00:01.020,000] <inf> app: tick';
  t.equal(matchableText(`uart:~$ \x1b[8D\x1b[J${log}`), log, 'ESC[8D ESC[J: the prompt is gone, the log line left');
  t.equal(matchableText(`uart:~$ \x1b[8D\x1b[J\x1b[1;32m${log}\x1b[0m`), log, 'coloured as the shell colours it');
  t.equal(matchableText('12345\x1b[2D\x1b[K'), '123', 'ESC[K erases to the end of the line alike');
  t.equal(matchableText('ab\x1b[D\x1b[0Jc'), 'ac', 'no count is one column');
  t.equal(matchableText('ab\x1b[9D\x1b[J'), '', 'never more than there is');
  t.equal(matchableText('abc\x1b[2Dxy'), 'abcxy', 'a move back with no erase after it takes nothing');
  t.equal(
    matchableText('abc\x1b[2Dx\x1b[J'),
    'abcx',
    'only a move back followed at once by an erase: no other cursor motion is played',
  );
  t.equal(matchableText('abc\x1b[2D\x1b[2J'), 'abc', 'an erase of the whole screen is not one to the end');
});

t.test('console records round-trip and survive a cut-off tail', async (t) => {
  const a = encodeRecord('<', 1700000000123.5, Buffer.from('rst:0x1\r\n'));
  const b = encodeRecord('>', 1700000000200, Buffer.from([0xc0, 0x00]));
  t.equal(a.length, RECORD_HEADER_BYTES + 9);
  t.equal(a[0], 0x3c, "direction byte '<'");
  t.equal(a.readUInt32LE(1), 9, 'length little-endian');
  const records = decodeRecords(Buffer.concat([a, b, b.subarray(0, 7)]));
  t.equal(records.length, 2, 'a half-written last record is dropped, not misread');
  t.equal(records[0]!.time, 1700000000123.5);
  t.same([...records[1]!.bytes], [0xc0, 0x00]);
  t.throws(() => decodeRecords(Buffer.from([0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), /unknown direction/);
});

t.test('line splitter: CRLF, partial lines, and a hard bound on line length', async (t) => {
  const s = new LineSplitter(8);
  t.same(s.push(Buffer.from('ab\r\ncd')), [{ text: 'ab', truncated: false }]);
  t.equal(s.partial, 'cd');
  t.same(s.push(Buffer.from('ef\n')), [{ text: 'cdef', truncated: false }]);
  const flood = s.push(Buffer.alloc(20, 0x41));
  t.same(
    flood.map((l) => [l.text.length, l.truncated]),
    [
      [8, true],
      [8, true],
    ],
    'a long run is cut at the bound',
  );
  t.equal(s.partial.length, 4, 'and only the remainder is held');
});

t.test('line reader (SCPI, line relays): whole lines across chunks, an over-long line dropped', async (t) => {
  const lines: string[] = [];
  const read = lineReader((line) => lines.push(line), 8);
  read(Buffer.from('*IDN?\r\nVO'));
  read(Buffer.from('LT?\nOUT\r'));
  read(Buffer.from('\n'));
  t.same(lines, ['*IDN?', 'VOLT?', 'OUT'], 'CRLF or LF, a line split across reads and a CR before its LF');
  read(Buffer.alloc(20, 0x41));
  t.same(lines.length, 3, 'the pieces of a line past the bound are not handed on');
  read(Buffer.from('\nOFF\n'));
  t.same(lines.slice(3), ['OFF'], 'nor is its remainder; the next line reads whole');
});

t.test('evidence is escaped, redacted and bounded', async (t) => {
  const redactor = new Redactor(['pa55word']);
  const cleaned = cleanEvidence(
    { line: 'login pa55word\x1b[0m', many: Array.from({ length: 100 }, (_, i) => i), big: 'x'.repeat(5000) },
    redactor,
  ) as Record<string, unknown>;
  t.equal(cleaned.line, 'login [redacted]\\x1b[0m');
  t.equal((cleaned.many as unknown[]).length, 61, 'long lists keep their newest items and say how many were left out');
  t.match(cleaned.big as string, /more characters\]$/);
});

t.test('the readable log: CRLF split across reads is one line end; a lone CR is shown; long lines break', async (t) => {
  const { ConsoleLog } = await import('../harness/console/log.ts');
  const { readFileSync } = await import('node:fs');
  const dir = t.testdir({});
  const log = new ConsoleLog(dir, 'c', new Redactor(['hunter2']));
  log.bytes('<', Buffer.from('abc\r'));
  log.bytes('<', Buffer.from('\ndef\r'));
  log.bytes('<', Buffer.from('x\r\n'));
  log.bytes('>', Buffer.from('login hunter2\r\n'));
  log.bytes('<', Buffer.alloc(5000, 0x42));
  log.event('port gone');
  await log.close();
  const lines = readFileSync(`${dir}/c.log`, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/^\S+Z /, ''));
  t.same(lines.slice(0, 3), ['< abc', '< def\\rx', '> login [redacted]']);
  t.equal(lines[3], `< ${'B'.repeat(4096)} [line continues]`);
  t.equal(lines[4], `< ${'B'.repeat(904)}`);
  t.equal(lines[5], '! port gone');
});
