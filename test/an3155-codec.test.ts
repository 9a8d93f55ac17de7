// Byte examples from AN3155 as REFERENCE.md 3.2 gives them.
import t from 'tap';
import {
  ACK,
  addressBytes,
  CMD,
  commandBytes,
  decodeExtendedErase,
  decodeGet,
  extendedEraseBytes,
  extendedEraseLength,
  isValidAddress,
  isValidCommand,
  lengthBytes,
  MASS_ERASE,
  writeBlockBytes,
  writeBlockData,
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

t.test('Write Memory: 31 CE, then N-1, the bytes, and the XOR of N-1 and every byte', async (t) => {
  t.same([...commandBytes(CMD.WRITE_MEMORY)], [0x31, 0xce]);
  const block = writeBlockBytes(Buffer.from([0x00, 0x50, 0x00, 0x20]));
  t.same([...block], [0x03, 0x00, 0x50, 0x00, 0x20, 0x03 ^ 0x50 ^ 0x20]);
  t.same(writeBlockData(block), Buffer.from([0x00, 0x50, 0x00, 0x20]));
  t.equal(writeBlockData(Buffer.from([...block.subarray(0, -1), block.at(-1)! ^ 1])), undefined, 'a bad checksum');
  t.throws(() => writeBlockBytes(Buffer.alloc(257)));
});

t.test('Extended Erase: 44 BB, the mass erase FF FF 00, or N-1 and the pages MSB first, then the XOR', async (t) => {
  t.same([...commandBytes(CMD.EXTENDED_ERASE)], [0x44, 0xbb]);
  t.same([...extendedEraseBytes(MASS_ERASE)], [0xff, 0xff, 0x00]);
  // stm32flash's erase of page 0 alone, as seen on the wire: 00 00 | 00 00 | 00
  t.same([...extendedEraseBytes([0])], [0x00, 0x00, 0x00, 0x00, 0x00]);
  const three = extendedEraseBytes([1, 2, 0x0103]);
  t.same([...three], [0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x01, 0x03, 0x02 ^ 0x01 ^ 0x02 ^ 0x01 ^ 0x03]);
  t.equal(extendedEraseLength(2), three.length);
  t.equal(extendedEraseLength(MASS_ERASE), 3);
  t.same(decodeExtendedErase(three), [1, 2, 0x0103]);
  t.equal(decodeExtendedErase(extendedEraseBytes(MASS_ERASE)), MASS_ERASE);
  t.equal(decodeExtendedErase(Buffer.from([0xff, 0xf0, 0x0f])), undefined, 'a reserved code');
});
