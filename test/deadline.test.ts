// Deadlines on a starved event loop (a machine with more work than cores): an answer that arrived
// before its deadline must win, though the loop only wakes after both are due. The answer is in the
// kernel before the loop is blocked, so each case is deterministic whatever the machine's load.
// With plain setTimeout deadlines (the parent commit) the first case rejects; the console's case
// happened to pass there too (where in the loop's turn the wait began decides it), and stays as a guard.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { NetworkTransport } from '../harness/console/network-transport.ts';
import { withDeadline } from '../harness/util/deadline.ts';
import { connectTcp } from '../harness/util/tcp.ts';
import { listenLoopback } from '../harness/virtual/listen.ts';
import { consoleOver } from './helpers/console.ts';

/** Keep the event loop from running for `ms`, as a loaded machine does to a process. */
function starve(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else in this process runs
  }
}

async function loopbackPair(t: Test): Promise<{ port: number; far: () => Promise<Socket> }> {
  const server = createServer();
  const port = await listenLoopback(server);
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { port, far: async () => (await once(server, 'connection'))[0] as Socket };
}

t.test('withDeadline: data in by the deadline wins, though the loop woke after it', async (t) => {
  const { port, far } = await loopbackPair(t);
  const accepted = far();
  const near = await connectTcp('127.0.0.1', port);
  const device = await accepted;
  t.teardown(() => {
    near.destroy();
    device.destroy();
  });
  const answer = withDeadline(once(near, 'data'), 20, 'an answer');
  device.write('answer\n');
  starve(200);
  await t.resolves(answer, 'the answer that came in time is taken');
});

t.test('Console.expect: a line in by the deadline wins, though the loop woke after it', async (t) => {
  const { port, far } = await loopbackPair(t);
  const accepted = far();
  const transport = new NetworkTransport({
    host: '127.0.0.1',
    port,
    protocol: 'raw',
    baud: 115200,
    description: 'tcp://console',
    openDeadlineMs: 5000,
  });
  const console = consoleOver(transport, t.testdir({}));
  await console.open();
  const device = await accepted;
  t.teardown(async () => {
    device.destroy();
    await console.close();
  });
  const ready = console.expect(/^ready$/, { timeout: 20, step: 'ready line' });
  device.write('ready\r\n');
  starve(200);
  await t.resolves(ready, 'the line that came in time is taken');
  await t.rejects(
    console.expect(/^never$/, { timeout: 20, step: 'a line that never comes' }),
    /a line matching \/\^never\$\/ within 20 ms/,
    'a deadline still ends a wait for what never comes',
  );
});
