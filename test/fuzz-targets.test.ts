// The targets at their boundaries: a console case leaves nothing listening on the port once its
// answer is in; a TCP service that dies is a finding ("connection refused" after it worked), one
// that answers or closes is not; a UDP datagram goes out whole. The network targets are the
// library boundary only: no virtual board has a network service yet.
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import t from 'tap';
import { loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import type { ByteTransport, TransportEvents } from '../harness/console/transport.ts';
import { consoleTarget, tcpTarget, udpTarget } from '../harness/fuzz/targets.ts';
import { consoleOver } from './helpers/console.ts';

/** A shell that shows its prompt, and answers every line at once with an error and its prompt again. */
class PromptingShell extends EventEmitter<TransportEvents> implements ByteTransport {
  readonly description = 'a prompting shell';
  async open() {
    setImmediate(() => this.emit('data', Buffer.from('esp32> ')));
  }
  async close() {}
  async write(data: Buffer) {
    if (data.includes(0x0a))
      setImmediate(() => this.emit('data', Buffer.from('\r\nerror: no such command\r\nesp32> ')));
  }
  pause() {}
  resume() {}
  async setSignals() {}
}

t.test('a console case whose prompt comes back leaves no listener on the port', async (t) => {
  const shell = new PromptingShell();
  const console = consoleOver(shell, t.testdir({}));
  await console.open();
  const profile = loadRig('rigs/virtual.yaml', Rig).profiles.get('virtual')!;
  const target = consoleTarget({ console, profile }, 2000);
  const before = shell.listenerCount('data');
  // Past Node's 10 a port, where the quiet waits each case left behind raised MaxListenersExceededWarning.
  for (let i = 0; i < 15; i++) t.equal(await target.send(Buffer.from(`case ${i}`)), undefined, `case ${i} answered`);
  t.equal(shell.listenerCount('data'), before, 'as many listeners as before the cases');
  await console.close();
});

t.test('TCP: a service that stops listening after a bad message is found dead', async (t) => {
  const server = createServer((socket) => {
    socket.on('data', (data: Buffer) => {
      socket.end('ok\n');
      if (data.includes(0xff)) server.close(); // the "crash": the port stops listening
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const target = tcpTarget('127.0.0.1', port, 1000);
  t.equal(await target.send(Buffer.from('hello')), undefined, 'an answer is not a finding');
  t.equal(await target.send(Buffer.from([0xff])), undefined, 'the case that kills it is sent');
  t.match(await target.send(Buffer.from('hello')), { kind: 'dead', signature: `tcp ${port}: connection refused` });
});

t.test('UDP: one datagram a case, whole', async (t) => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  const got = new Promise<Buffer>((resolve) => socket.once('message', resolve));
  t.equal(await udpTarget('127.0.0.1', port).send(Buffer.from('datagram\x00\xff')), undefined);
  t.same(await got, Buffer.from('datagram\x00\xff'));
  socket.close();
});

/** A shell whose core a debugger keeps halting for a while after each line: its answer is late, and silence comes first. */
class HaltedShell extends PromptingShell {
  halted = 0;
  readonly written: Buffer[] = [];
  override async write(data: Buffer) {
    this.written.push(data);
    if (!data.includes(0x0a)) return;
    // 20 ms halts back to back for 700 ms, then the answer.
    const halts = setInterval(() => (this.halted += 20), 20);
    setTimeout(() => {
      clearInterval(halts);
      this.emit('data', Buffer.from('\r\nerror: no such command\r\nesp32> '));
    }, 700);
  }
}

t.test('a console case on a core the debugger keeps halting: neither a hang nor a Ctrl-C', async (t) => {
  const shell = new HaltedShell();
  const console = consoleOver(shell, t.testdir({}));
  const undo = console.excludeHalts(() => shell.halted);
  await console.open();
  const profile = loadRig('rigs/virtual.yaml', Rig).profiles.get('virtual')!;
  // A 300 ms case deadline, and silence longer than the 250 ms that would call for the recovery.
  const target = consoleTarget({ console, profile }, 300);
  t.equal(await target.send(Buffer.from('case')), undefined, 'answered: the halts are not the board going quiet');
  t.notOk(
    shell.written.some((w) => w.includes(0x03)),
    'no Ctrl-C went to the board: it was not the board that stopped',
  );
  undo();
  await console.close();
});
