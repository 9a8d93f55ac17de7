// A scenario's wait ends early only when the device is back at its prompt, has made no connection,
// and a grace period has passed; a device that connects in the background within it is still caught.
import t from 'tap';
import { connect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScenarioListener } from '../harness/tls/listener.ts';
import { rsaKey } from '../harness/tls/keys.ts';
import { issue } from '../harness/wire/x509.ts';

const server = await issue({ commonName: 'localhost', key: rsaKey('listener-test'), san: ['localhost'] });
const chain = { chainPem: server.certPem, keyPem: server.keyPem };

t.test('back at its prompt, no connection for the grace period: the wait ends, saying why', async (t) => {
  const { listener } = await ScenarioListener.start(chain);
  t.teardown(() => listener.close());
  const outcome = await listener.result(10_000, { backAtPrompt: Promise.resolve(), graceMs: 300 });
  t.equal(outcome.connected, false);
  t.match(outcome.error, /back at its prompt and made none for 300 ms/);
  t.ok(outcome.ms < 10_000, 'it did not wait for the deadline');
});

t.test('a connection made after the prompt came back, within the grace period, is still judged', async (t) => {
  const { listener, port } = await ScenarioListener.start(chain);
  t.teardown(() => listener.close());
  const late = sleep(200).then(() => {
    const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => client.end('telemetry\n'));
    client.on('error', () => undefined);
  });
  const outcome = await listener.result(10_000, { backAtPrompt: Promise.resolve(), graceMs: 2000 });
  await late;
  t.equal(outcome.connected, true);
  t.equal(outcome.handshake, true, 'the handshake the device made in the background counts');
});

t.test('a device that never comes back to its prompt is waited for until the deadline', async (t) => {
  const { listener } = await ScenarioListener.start(chain);
  t.teardown(() => listener.close());
  const outcome = await listener.result(800, { backAtPrompt: new Promise(() => undefined), graceMs: 100 });
  t.match(outcome.error, /no connection within 800 ms/);
});

t.test('a prompt that comes after the result arms no timer: the suite process can end at once', async (t) => {
  const { listener, port } = await ScenarioListener.start(chain);
  t.teardown(() => listener.close());
  let backAtPrompt!: () => void;
  const prompt = new Promise<void>((resolve) => {
    backAtPrompt = resolve;
  });
  const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => client.end('telemetry\n'));
  client.on('error', () => undefined);
  const outcome = await listener.result(10_000, { backAtPrompt: prompt, graceMs: 60_000 });
  t.equal(outcome.handshake, true);
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  backAtPrompt();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(timers(), before, 'no grace timer was left behind (it held every tls-pinning process open 1.9 s)');
});
