// The LCUS serial relay and the Shelly Gen2 relay: their documented bytes and requests, and a
// whole boot-log run powered through each one's twin (a PTY speaking A0 frames, HTTP RPC).
import t from 'tap';
import './helpers/children.ts';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lcusCommand } from '../harness/power/drivers/lcus.ts';
import shelly, { ShellyRelay } from '../harness/power/drivers/shelly.ts';
import type { RelayDriver } from '../harness/power/driver.ts';
import type { TwinHost } from '../harness/virtual/twin.ts';
import { hilRun } from './helpers/run.ts';

t.test('LCUS frames: A0, channel, state, and their sum', async (t) => {
  t.same([...lcusCommand(1, true)], [0xa0, 0x01, 0x01, 0xa2]);
  t.same([...lcusCommand(1, false)], [0xa0, 0x01, 0x00, 0xa1]);
  t.same([...lcusCommand(4, true)], [0xa0, 0x04, 0x01, 0xa5]);
});

t.test('a boot-log run through each relay and its twin; the pre-flight reads their state', async (t) => {
  const dir = t.testdir({});
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: relays',
      'virtual: true',
      'boards:',
      '  on-lcus:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    power: { driver: lcus, port: auto, channel: 2, off-time: 100ms }',
      '  on-shelly:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    power: { driver: shelly, url: auto, switch: 1, password: "shelly-s3cret", off-time: 100ms }',
      '',
    ].join('\n'),
  );
  const run = hilRun(['--rig', join(dir, 'rig.yaml'), '--suite', 'boot-log'], join(dir, 'out'));
  t.equal(run.status, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
  for (const board of ['on-lcus', 'on-shelly']) {
    t.equal(run.result(board).pass, 6, `${board}: every boot-log check passed, powered through its relay`);
    // on-shelly's twin has authentication on: every request went through HTTP Digest.
    t.match(run.check(board, 'boot-log/power-on-reset').evidence, { seen: '0x1 (power-on)' }, 'a real power-on reset');
  }
  t.notMatch(run.stderr, /could not put .* in the safe state/);
});

t.test('Shelly: a switch that does not follow, and authentication, are errors that say so', async (t) => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('id') === '3') return res.writeHead(401).end('{"code":401}');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(url.pathname === '/rpc/Switch.GetStatus' ? '{"id":0,"output":false}' : '{"was_on":false}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await t.rejects(new ShellyRelay(base, 0).on(), /asked for on, it reports off/);
  await t.rejects(
    new ShellyRelay(base, 3).state(),
    /needs authentication: give the rig's power entry the device's password/,
  );
  await t.rejects(new ShellyRelay(base, 3, 'pw').state(), /refused the password/, 'a 401 without a Digest challenge');
  t.equal(await new ShellyRelay(base, 0).state(), false);
});

t.test('Shelly with authentication on: HTTP Digest (SHA-256, user admin) against its twin', async (t) => {
  const host: TwinHost = {
    tcp: () => Promise.reject(new Error('not used')),
    pty: () => Promise.reject(new Error('not used')),
    onClose: (close) => void t.teardown(close),
  };
  const contacts: boolean[] = [];
  const { url } = (await (shelly as RelayDriver).twin!(
    { url: 'auto', switch: 1, password: 'shelly-s3cret' },
    host,
    (closed) => {
      contacts.push(closed);
    },
  )) as { url: string };
  const bare = await fetch(`${url}/rpc/Switch.GetStatus?id=1`);
  await bare.body?.cancel();
  t.equal(bare.status, 401, 'a request without credentials is refused');
  t.match(bare.headers.get('www-authenticate'), /^Digest qop="auth", realm="[^"]+", nonce="[^"]+", algorithm=SHA-256$/);
  const relay = new ShellyRelay(url, 1, 'shelly-s3cret');
  await relay.on();
  t.equal(await relay.state(), true, 'switched on and read back through Digest');
  await relay.off();
  t.same(contacts, [true, false], 'the contact followed');
  await t.rejects(new ShellyRelay(url, 1, 'wrong').on(), /Switch\.Set refused the password \(HTTP Digest as admin\)/);
  await t.rejects(new ShellyRelay(url, 1).state(), /Switch\.GetStatus needs authentication/);
  t.same(contacts, [true, false], 'refused requests switched nothing');
});
