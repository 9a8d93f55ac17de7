// Byte examples from AN3155 as REFERENCE.md 3.2 gives them.
import t from 'tap';
import {
  ACK,
  addressBytes,
  CMD,
  commandBytes,
  decodeGet,
  isValidAddress,
  isValidCommand,
  lengthBytes,
} from '../harness/wire/an3155.ts';

t.test('Read Memory of 256 bytes at 0x08000000: 11 EE / 08 00 00 00 08 / FF 00', async (t) => {
  t.same([...commandBytes(CMD.READ_MEMORY)], [0x11, 0xee]);
  t.same([...addressBytes(0x08000000)], [0x08, 0x00, 0x00, 0x00, 0x08]);
  t.same([...lengthBytes(256)], [0xff, 0x00]);
  t.ok(isValidAddress(addressBytes(0x20001234)));
  t.notOk(isValidAddress(Buffer.from([0x08, 0, 0, 0, 0])));
  t.throws(() => lengthBytes(0));
});

t.test('commands travel with their complement; Readout Unprotect is 92 6D', async (t) => {
  t.same([...commandBytes(CMD.GET)], [0x00, 0xff]);
  t.same([...commandBytes(CMD.READOUT_UNPROTECT)], [0x92, 0x6d]);
  t.ok(isValidCommand(Buffer.from([0x02, 0xfd])));
  t.notOk(isValidCommand(Buffer.from([0x02, 0xfe])));
});

t.test('the Get reply', async (t) => {
  const commands = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92];
  const reply = Buffer.from([commands.length, 0x31, ...commands, ACK]);
  t.same(decodeGet(reply), { version: '3.1', commands });
  t.equal(decodeGet(reply.subarray(0, 5)), undefined, 'cut short');
});
