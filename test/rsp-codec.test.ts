// Examples from the GDB manual's description of the remote serial protocol.
import t from 'tap';
import { decodePayload, encodePacket, parseHexReply, readMemoryCommand, RspParser } from '../harness/wire/rsp.ts';

t.test('packets and checksums', async (t) => {
  t.equal(encodePacket('OK').toString(), '$OK#9a');
  t.equal(encodePacket('?').toString(), '$?#3f');
  t.equal(encodePacket('g').toString(), '$g#67');
  t.equal(encodePacket('qSupported').toString(), '$qSupported#37');
  t.equal(readMemoryCommand(0x3ffb0000, 16), 'm3ffb0000,10');
});

t.test('escapes: 0x7d is sent as 7d 5d; # $ * likewise', async (t) => {
  t.same([...encodePacket(Buffer.from([0x7d, 0x23]))].slice(1, 5), [0x7d, 0x5d, 0x7d, 0x03]);
  t.equal(decodePayload(Buffer.from([0x61, 0x7d, 0x5d])), 'a}');
});

t.test('run-length encoding: "0* " is 0000', async (t) => {
  t.equal(decodePayload(Buffer.from('0* ')), '0000');
  t.equal(decodePayload(Buffer.from('ab*"c')), 'abbbbbbc', '" (34) repeats b 34-29 = 5 more times');
});

t.test('a stream parser: acks, packets split across reads, bad checksums flagged', async (t) => {
  const parser = new RspParser();
  t.same(parser.push(Buffer.from('+$O')), [{ kind: 'ack' }]);
  t.same(parser.push(Buffer.from('K#9a$E01#a6')), [
    { kind: 'packet', payload: 'OK', checksumOk: true },
    { kind: 'packet', payload: 'E01', checksumOk: true },
  ]);
  t.same(parser.push(Buffer.from('$OK#00')), [{ kind: 'packet', payload: 'OK', checksumOk: false }]);
});

t.test('memory replies', async (t) => {
  t.same(parseHexReply('deadbeef'), { bytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]) });
  t.same(parseHexReply('E14'), { error: 'E14' });
  t.same(parseHexReply('E.memory access failed'), { error: 'E.memory access failed' });
  t.match(parseHexReply('xxxx'), { error: /unavailable/ });
});
