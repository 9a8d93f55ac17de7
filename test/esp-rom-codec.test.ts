// Byte examples from REFERENCE.md 2.2 (checked there against an esptool trace).
import t from 'tap';
import { slipEncode, SlipDecoder } from '../harness/wire/slip.ts';
import {
  decodeResponse,
  decodeSecurityInfo,
  encodeCommand,
  OP,
  readRegCommand,
  SYNC_DATA,
} from '../harness/wire/esp-rom.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('SYNC on the wire', async (t) => {
  const frame = slipEncode(encodeCommand(OP.SYNC, SYNC_DATA));
  t.same(frame, hex(`c0 00 08 24 00 00 00 00 00 07 07 12 20 ${'55'.repeat(32)} c0`));
});

t.test('READ_REG of the chip-magic register, and the reply (ESP8266 ROM: 2 status bytes)', async (t) => {
  t.same(slipEncode(readRegCommand(0x40001000)), hex('c0 00 0a 04 00 00000000 00100040 c0'));
  t.same(decodeResponse(hex('01 0a 02 00 09000000 0000'), 2), {
    op: 0x0a,
    value: 9,
    data: Buffer.alloc(0),
    status: 0,
    error: 0,
  });
});

t.test('GET_SECURITY_INFO request', async (t) => {
  t.same(slipEncode(encodeCommand(OP.GET_SECURITY_INFO)), hex('c0 00 14 00 00 00 00 00 00 c0'));
});

t.test('a sync response and a Secure Download Mode refusal (ESP32 ROM: 4 status bytes)', async (t) => {
  t.same(decodeResponse(hex('01 08 04 00 07 07 12 20 00 00 00 00')), {
    op: 8,
    value: 0x20120707,
    data: Buffer.alloc(0),
    status: 0,
    error: 0,
  });
  t.match(decodeResponse(hex('01 0a 04 00 00 00 00 00 01 05 00 00')), { op: 0x0a, status: 1, error: 0x05 });
  t.equal(decodeResponse(hex('00 0a 04 00')), undefined, 'a request is not a response');
});

t.test('SLIP escapes and a stream with boot text around frames', async (t) => {
  t.same(slipEncode(Buffer.from([0xc0, 0xdb, 0x01])), hex('c0 db dc db dd 01 c0'));
  const decoder = new SlipDecoder();
  const stream = Buffer.concat([
    Buffer.from('waiting for download\r\n'),
    hex('c0 01 08 04'),
    hex('00 07 07 12 20 db dc 00 00 00 c0 c0'),
  ]);
  t.same(decoder.push(stream.subarray(0, 25)), []);
  t.same(decoder.push(stream.subarray(25)), [hex('01 08 04 00 07 07 12 20 c0 00 00 00')]);
});

t.test('security info flags', async (t) => {
  const data = Buffer.alloc(20);
  data.writeUInt32LE(0b1000101, 0); // secure boot, secure download, soft JTAG disable
  data.writeUInt32LE(9, 12);
  t.match(decodeSecurityInfo(data), { set: ['SECURE_BOOT_EN', 'SECURE_DOWNLOAD_ENABLE', 'SOFT_DIS_JTAG'], chipId: 9 });
  t.equal(decodeSecurityInfo(Buffer.alloc(4)), undefined);
});
