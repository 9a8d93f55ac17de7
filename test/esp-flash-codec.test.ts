// The ROM loader's flash commands as esptool's serial-protocol document lays them out: the data
// checksum seeded with 0xEF over the data only, FLASH_DEFL_BEGIN's erase size rounded to whole
// 1 KiB blocks on a ROM, four words on the ESP32's ROM and five on later ones, SPI_ATTACH's eight
// bytes on a ROM, and SPI_FLASH_MD5's answer in ASCII hex (ROM) or raw bytes (stub).
import t from 'tap';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { decodeCommand, OP } from '../harness/wire/esp-rom.ts';
import {
  dataChecksum,
  dataCommand,
  deadlinePerMb,
  deflatedBlocks,
  deflBeginCommand,
  flashBeginCommand,
  md5Command,
  md5FromReply,
  plainBlocks,
  readWords,
  ROM_BLOCK,
  spiAttachCommand,
} from '../harness/wire/esp-flash.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('the data checksum: 0xEF XOR each data byte', async (t) => {
  t.equal(dataChecksum(Buffer.alloc(0)), 0xef);
  t.equal(dataChecksum(hex('01 02 04')), 0xef ^ 0x07);
  t.equal(dataChecksum(Buffer.alloc(ROM_BLOCK, 0xff)), 0xef, 'an even number of equal bytes cancels out');
});

t.test('SPI_ATTACH on a ROM: the hspi word and four more bytes', async (t) => {
  t.same(spiAttachCommand(), hex('00 0d 0800 00000000 00000000 00000000'));
});

t.test('FLASH_BEGIN: erase size, blocks, block size, offset (and "encrypted" on later ROMs)', async (t) => {
  t.same(flashBeginCommand(0x1801, 0x10000, 4), hex('00 02 1000 00000000 01180000 07000000 00040000 00000100'));
  t.same(decodeCommand(flashBeginCommand(100, 0, 5))!.data.length, 20);
});

t.test('FLASH_DEFL_BEGIN on a ROM: the size it erases is rounded up to whole blocks', async (t) => {
  const begin = decodeCommand(deflBeginCommand(0x1801, 0x900, 0x10000, 4))!;
  t.equal(begin.op, OP.FLASH_DEFL_BEGIN);
  t.same(readWords(begin.data, 4), [0x1c00, 3, ROM_BLOCK, 0x10000]);
});

t.test('FLASH_DEFL_DATA: length, sequence, two zero words, the block; its checksum in the header', async (t) => {
  const block = hex('78 da 01 02');
  const packet = dataCommand(OP.FLASH_DEFL_DATA, 2, block);
  t.same(
    packet,
    hex(
      `00 11 1400 ${(0xef ^ 0x78 ^ 0xda ^ 0x01 ^ 0x02).toString(16)}000000 04000000 02000000 00000000 00000000 78da0102`,
    ),
  );
});

t.test('a zlib stream (header and Adler-32), not raw deflate, cut into blocks, the last not padded', async (t) => {
  const image = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251));
  const { compressedSize, blocks } = deflatedBlocks(image);
  t.equal(blocks[0]![0], 0x78, 'the zlib header');
  t.equal(
    blocks.reduce((n, b) => n + b.length, 0),
    compressedSize,
  );
  t.ok(blocks.slice(0, -1).every((b) => b.length === ROM_BLOCK));
  t.same(inflateSync(Buffer.concat(blocks)), image);
  const plain = plainBlocks(Buffer.alloc(ROM_BLOCK + 1, 0x11));
  t.equal(plain.length, 2);
  t.equal(plain[1]![1], 0xff, 'a plain last block is padded with 0xFF');
});

t.test('SPI_FLASH_MD5 and its answers', async (t) => {
  t.same(md5Command(0x10000, 0x1c00), hex('00 13 1000 00000000 00000100 001c0000 00000000 00000000'));
  const md5 = createHash('md5').update('hil').digest();
  t.equal(md5FromReply(Buffer.from(md5.toString('hex').toUpperCase(), 'latin1')), md5.toString('hex'), 'ROM: ASCII');
  t.equal(md5FromReply(md5), md5.toString('hex'), 'stub: raw');
  t.equal(md5FromReply(Buffer.from('not an md5')), undefined);
});

t.test("deadlines per megabyte, never under esptool's 3 s default", async (t) => {
  t.equal(deadlinePerMb(40_000, 1_000), 3000);
  t.equal(deadlinePerMb(40_000, 4_000_000), 160_000);
});
