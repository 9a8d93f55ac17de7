// A console password never reaches a log or a report: not when it holds a backslash or non-ASCII
// bytes (which escaping changes), not when the board sends it split across two reads, and not in
// the exact `.bin` record either. Through a real PTY made by socat.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { REDACTED, Redactor } from '../harness/config/redact.ts';
import { Console } from '../harness/console/console.ts';
import { ConsoleLog } from '../harness/console/log.ts';
import { decodeRecords } from '../harness/console/records.ts';
import { RedactingStream } from '../harness/console/redacting-stream.ts';
import { SerialTransport } from '../harness/console/serial-transport.ts';
import { cleanEvidence } from '../harness/evidence.ts';
import { ptyDevice } from './helpers/pty-device.ts';

const SECRET = 'pa\\ss-wörd\x01!';

t.test('split, escaped and non-ASCII: the secret is in neither the .log nor the .bin', async (t) => {
  const dir = t.testdir({});
  const device = await ptyDevice(dir);
  t.teardown(() => device.close());
  const log = new ConsoleLog(dir, 'console', new Redactor([SECRET]));
  const console = new Console({
    board: 'b',
    transport: new SerialTransport({ locate: () => device.path, baud: 115200, description: device.path }),
    log,
  });
  await console.open();
  const bytes = Buffer.from(`login: admin\r\nPassword: ${SECRET}\r\nwelcome\r\n`, 'utf8');
  const cut = bytes.indexOf(Buffer.from('wö', 'utf8')) + 2; // in the middle of the UTF-8 ö
  device.socket().write(bytes.subarray(0, cut));
  await sleep(150); // two reads on the harness side
  device.socket().write(bytes.subarray(cut));
  await console.expect(/^welcome$/, { timeout: 3000, step: 'read it all' });
  await console.send(`echo ${SECRET}`); // and what the harness itself types
  await console.close();

  const text = readFileSync(log.logPath, 'latin1');
  t.match(text, /Password: \[redacted\]/, 'the readable log shows where it was');
  t.notMatch(text, /ss-w/, 'no part of the secret in the readable log');
  const records = decodeRecords(readFileSync(log.binPath));
  const received = Buffer.concat(records.filter((r) => r.direction !== '!').map((r) => r.bytes));
  t.equal(received.indexOf(Buffer.from(SECRET, 'utf8')), -1, 'the exact .bin holds no copy either');
  t.notMatch(received.toString('latin1'), /ss-w/, 'nor any part of it');
  t.match(received.toString('latin1'), /Password: \[redacted\]\r\nwelcome/);
});

t.test('the stream redactor: held back only while a secret may be starting', async (t) => {
  const stream = new RedactingStream(['hunter2']);
  t.equal(stream.push(Buffer.from('user: hun')).toString(), 'user: ', '"hun" could begin the secret');
  t.equal(stream.push(Buffer.from('ter2 ok')).toString(), `${REDACTED} ok`);
  t.equal(stream.push(Buffer.from('hunt')).toString(), '');
  t.equal(stream.push(Buffer.from('ing')).toString(), 'hunting', 'not the secret after all');
  t.equal(stream.flush().toString(), '');
});

t.test(
  'evidence: the secret is taken out before escaping, so a backslash or a control byte cannot hide it',
  async (t) => {
    const redactor = new Redactor([SECRET]);
    const line = Buffer.from(`Password: ${SECRET}`, 'utf8').toString('latin1'); // as console lines are kept
    t.same(cleanEvidence({ line }, redactor), { line: `Password: ${REDACTED}` });
  },
);
