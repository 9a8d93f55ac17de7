// Modbus RTU frames as Riden supplies take them, and as Modbus documents them: the CRC-16/MODBUS
// check value, requests byte for byte, replies and exceptions parsed, a bad CRC refused.
import t from 'tap';
import {
  crc16Modbus,
  exceptionReply,
  parseReply,
  readHoldingReply,
  readHoldingRequest,
  replyLength,
  takeRequest,
  writeSingleRequest,
} from '../harness/wire/modbus.ts';

const hex = (b: Buffer) => b.toString('hex').toUpperCase();

t.test('CRC-16/MODBUS: the catalogue check value, and the frames every Modbus guide shows', async (t) => {
  t.equal(crc16Modbus(Buffer.from('123456789')), 0x4b37, 'check value of CRC-16/MODBUS (reveng catalogue)');
  t.equal(hex(readHoldingRequest(1, 0, 10)), '01030000000AC5CD', 'read 10 holding registers from 0 at unit 1');
});

t.test('Riden RD6006 frames (REFERENCE.md 7.1): output on and off, 3.30 V, read V_OUT and I_OUT', async (t) => {
  t.equal(hex(writeSingleRequest(1, 18, 1)), '010600120001E80F');
  t.equal(hex(writeSingleRequest(1, 18, 0)), '01060012000029CF');
  t.equal(hex(writeSingleRequest(1, 8, 330)), '01060008014A886F');
  t.equal(hex(readHoldingRequest(1, 10, 2)), '0103000A0002E409');
});

t.test('replies: registers read, writes echoed, exceptions named, lengths known from the first bytes', async (t) => {
  const read = readHoldingRequest(1, 10, 2);
  t.same(parseReply(read, readHoldingReply(1, [330, 120])), [330, 120]);
  t.equal(replyLength(read, Buffer.from([1, 3])), 9);
  const write = writeSingleRequest(1, 8, 330);
  t.same(parseReply(write, write), [330], 'Write Single Register is answered by its echo');
  const refused = exceptionReply(1, 6, 3);
  t.equal(replyLength(write, refused), 5, 'an exception is five bytes');
  t.throws(() => parseReply(write, refused), { message: 'exception 3 (ILLEGAL DATA VALUE)', exception: 3 });
  const corrupt = Buffer.from(write);
  corrupt[4] = corrupt[4]! ^ 1;
  t.throws(() => parseReply(write, corrupt), /bad CRC/);
  t.throws(() => parseReply(write, writeSingleRequest(2, 8, 330)), /reply from unit 2/);
  t.throws(() => parseReply(read, readHoldingReply(1, [330])), /2 data bytes for 2 registers/);
  t.throws(() => readHoldingRequest(1, 0, 126), /a read takes 1 to 125/);
  t.throws(() => writeSingleRequest(1, 8, 70000), /not a 16-bit register value/);
});

t.test('a server reads requests out of its input: bad CRC dropped byte by byte, partial frames kept', async (t) => {
  const good = writeSingleRequest(1, 18, 1);
  const noise = Buffer.from([0x55, 0x01]);
  let input: Buffer = Buffer.concat([noise, good, good.subarray(0, 3)]);
  const seen = [];
  for (;;) {
    const { request, rest } = takeRequest(input);
    if (!request && rest.length === input.length) break;
    if (request) seen.push(request);
    input = rest;
  }
  t.same(seen, [{ unit: 1, fn: 6, address: 18, value: 1 }]);
  t.equal(input.length, 3, 'the start of the next frame waits for the rest');
});
