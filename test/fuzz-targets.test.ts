// The network targets at the socket API: a TCP service that dies is a finding ("connection refused"
// after it worked), one that answers or closes is not; a UDP datagram goes out whole. These are the
// library boundary only: no virtual board has a network service yet.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import t from 'tap';
import { tcpTarget, udpTarget } from '../harness/fuzz/targets.ts';

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
