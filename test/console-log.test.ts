// The readable log's renderer (pure: .bin records in, text out) and its writer thread, beside the
// exact .bin: line ends split across reads, events between lines, a flood with no newline, and a
// writer that cannot write (the .bin stays whole, the console closes, stderr says why).
import t from 'tap';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleLog } from '../harness/console/log.ts';
import { LogText } from '../harness/console/log-text.ts';
import { decodeRecords, encodeRecord } from '../harness/console/records.ts';

const TIME = Date.parse('2026-12-04T01:00:00.000Z');
const at = (ms: number) => new Date(TIME + ms).toISOString();

t.test('records to lines: CRLF split across reads, an event between, a lone CR kept', async (t) => {
  const text = new LogText();
  const out = [
    text.render(
      Buffer.concat([encodeRecord('<', TIME, Buffer.from('boot\r')), encodeRecord('<', TIME + 1, Buffer.from('\nre'))]),
    ),
    text.render(encodeRecord('!', TIME + 2, Buffer.from('power off'))),
    text.render(encodeRecord('<', TIME + 3, Buffer.from('ady\r'))),
    text.render(encodeRecord('>', TIME + 4, Buffer.from('x\n'))),
    text.end(),
  ];
  t.equal(
    Buffer.concat(out).toString(),
    `${at(0)} < boot\n${at(1)} < re\n${at(2)} ! power off\n${at(3)} < ady\\r\n${at(4)} > x\n`,
    'the CR before an LF in the next read ends the line; one the other way is shown',
  );
});

t.test('a flood with no newline is broken into bounded lines, each marked', async (t) => {
  const text = new LogText();
  const lines = Buffer.concat([text.render(encodeRecord('<', TIME, Buffer.alloc(10_000, 0x01))), text.end()])
    .toString()
    .split('\n')
    .filter(Boolean);
  t.equal(lines.length, 10, '40000 bytes of text, 4096 a line');
  t.ok(lines.slice(0, -1).every((l) => l.endsWith(' [line continues]')));
  t.equal(lines.map((l) => l.replace(/^\S+ < /, '').replace(' [line continues]', '')).join(''), '\\x01'.repeat(10_000));
});

t.test('a batch past a slab (256 KiB of text) renders as the same records one by one do', async (t) => {
  const records = Array.from({ length: 80 }, (_, i) =>
    encodeRecord('<', TIME + i, Buffer.from(Array.from({ length: 4096 }, (_, j) => (i * 7 + j * 13) % 256))),
  );
  const whole = new LogText();
  const oneByOne = new LogText();
  const a = Buffer.concat([whole.render(Buffer.concat(records)), whole.end()]);
  const b = Buffer.concat([...records.map((r) => oneByOne.render(r)), oneByOne.end()]);
  t.ok(a.length > 600_000, 'several slabs of text');
  t.ok(a.equals(b), 'batching does not change a byte of it');
});

t.test('a writer that cannot write: the .bin is whole, close() returns, stderr says why', async (t) => {
  const dir = t.testdir({});
  mkdirSync(join(dir, 'console.log')); // a folder where the file should be
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => said.push(String(chunk)) > 0) as typeof process.stderr.write;
  t.teardown(() => {
    process.stderr.write = write;
  });
  const log = new ConsoleLog(dir, 'console');
  for (let i = 0; i < 100; i++) log.bytes('<', Buffer.from(`line ${i}\r\n`));
  log.event('power off');
  await log.close();
  const rx = decodeRecords(readFileSync(log.binPath)).filter((r) => r.direction === '<');
  t.equal(
    Buffer.concat(rx.map((r) => r.bytes))
      .toString()
      .split('\r\n').length,
    101,
    'every line in the .bin',
  );
  t.match(said.join(''), /the readable log .*console\.log stopped: .*EISDIR/);
});

t.test('a board faster than the text: paused past the backlog, resumed once it drains, nothing lost', async (t) => {
  const dir = t.testdir({});
  const log = new ConsoleLog(dir, 'console');
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  let paused = 0;
  for (let i = 0; i < 160; i++) {
    if (log.bytes('<', chunk)) continue;
    paused++;
    // Two waits at once (a second read arrived before the first resumed): both end.
    await Promise.all([log.drained(), log.drained()]);
  }
  await log.close();
  t.ok(paused > 0, 'the reader was told to pause');
  const text = readFileSync(log.logPath, 'latin1');
  t.equal(text.replace(/^\S+ < /gm, '').replace(/ \[line continues\]\n|\n/g, '').length, 160 * 64 * 1024, 'every byte');
});
