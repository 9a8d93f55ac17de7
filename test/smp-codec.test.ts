// mcumgr SMP over the console: the frames of REFERENCE.md 4.3 (Zephyr's smp_transport.rst framing,
// CRC-16/XMODEM), multi-frame packets, and every way a hostile device's frame can be broken.
import t from 'tap';
import {
  crc16xmodem,
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  fitData,
  MAX_FRAME,
  MAX_PACKET,
  mcumgrParams,
  replyError,
  SERIAL_OVERHEAD,
  SmpFrameError,
} from '../harness/wire/smp.ts';

const line = (frame: Buffer) => frame.toString('latin1').replace(/\n$/, '');

t.test('CRC-16/XMODEM check value', async (t) => {
  t.equal(crc16xmodem(Buffer.from('123456789')), 0x31c3);
  t.equal(crc16xmodem(Buffer.alloc(0)), 0);
});

t.test('the documented frames, byte for byte', async (t) => {
  const echo = encodePacket({ op: 2, group: 0, sequence: 0, id: 0 }, { d: 'hello' });
  t.equal(echo.toString('hex'), '0200000900000000a161646568656c6c6f');
  t.same(encodeFrames(echo), [Buffer.from('\x06\x09ABMCAAAJAAAAAKFhZGVoZWxsbyVv\n', 'latin1')]);
  const state = encodePacket({ op: 0, group: 1, sequence: 0, id: 0 }, {});
  t.equal(state.toString('hex'), '0000000100010000a0');
  t.same(encodeFrames(state), [Buffer.from('\x06\x09AAsAAAABAAEAAKCG/g==\n', 'latin1')]);
  const reset = encodePacket({ op: 2, group: 0, sequence: 0, id: 5 }, {});
  t.same(encodeFrames(reset), [Buffer.from('\x06\x09AAsCAAABAAAABaDJ2A==\n', 'latin1')]);
  const decoded = decodePacket(new FrameDecoder().push(line(encodeFrames(echo)[0]!))!);
  t.same(decoded.header, { op: 2, version: 0, flags: 0, length: 9, group: 0, sequence: 0, id: 0 });
  t.same(decoded.body, { d: 'hello' });
});

t.test('a packet across frames: 127 bytes at most, 06 09 then 04 14, each base64 whole', async (t) => {
  const data = Buffer.from(Array.from({ length: 700 }, (_, i) => i & 0xff));
  const packet = encodePacket({ op: 2, group: 1, sequence: 42, id: 1 }, { off: 0, len: 700, data });
  const frames = encodeFrames(packet);
  t.ok(frames.length > 1);
  for (const [i, frame] of frames.entries()) {
    t.ok(frame.length <= MAX_FRAME, `frame ${i} is ${frame.length} bytes`);
    t.same([...frame.subarray(0, 2)], i === 0 ? [0x06, 0x09] : [0x04, 0x14]);
    t.equal(frame.at(-1), 0x0a);
    t.equal(frame.subarray(2, -1).length % 4, 0, 'each frame decodes on its own');
  }
  const decoder = new FrameDecoder();
  const results = frames.map((f) => decoder.push(line(f)));
  t.same(results.slice(0, -1), Array(frames.length - 1).fill(undefined));
  const body = decodePacket(results.at(-1)!).body;
  t.same(Buffer.from(body.data as Uint8Array), data);
  t.equal(body.len, 700);
});

t.test('log text before a marker on the same line is not part of the frame', async (t) => {
  const frame = line(encodeFrames(encodePacket({ op: 3, group: 0, sequence: 1, id: 0 }, { r: 'x' }))[0]!);
  const mixed = `I (120) app: tick${frame}`;
  const at = FrameDecoder.markerAt(mixed);
  t.equal(at, 'I (120) app: tick'.length);
  t.same(decodePacket(new FrameDecoder().push(mixed.slice(at))!).body, { r: 'x' });
  t.equal(FrameDecoder.markerAt('an ordinary log line'), -1);
});

/** One frame built by hand: marker + base64 of `stream`. */
const raw = (stream: Buffer, marker = '\x06\x09') => `${marker}${stream.toString('base64')}`;
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof SmpFrameError ? error.code : `not an SmpFrameError: ${String(error)}`;
  }
  return 'no error';
};

t.test('broken frames give named errors', async (t) => {
  const packet = encodePacket({ op: 1, group: 1, sequence: 0, id: 0 }, { images: [] });
  const good = line(encodeFrames(packet)[0]!);
  const stream = Buffer.from(good.slice(2), 'base64');
  const badCrc = Buffer.from(stream);
  badCrc[badCrc.length - 1]! ^= 0xff;
  t.equal(
    codeOf(() => new FrameDecoder().push(raw(badCrc))),
    'bad-crc',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push(`\x06\x09${'*'.repeat(8)}`)),
    'bad-base64',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push(`\x06\x09abc`)),
    'bad-base64',
    'not a multiple of 4',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push(`\x06\x09${'A'.repeat(128)}`)),
    'bad-base64',
    'longer than a frame',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push(`\x04\x14${good.slice(2)}`)),
    'stray-continuation',
    'continuation first',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push('\x07\x09AAAA')),
    'bad-marker',
  );
  const long = Buffer.from([0xff, 0xff, 0, 0]);
  t.equal(
    codeOf(() => new FrameDecoder().push(raw(long))),
    'oversized',
    'a 64 KiB length is refused at once',
  );
  const tooMuch = Buffer.concat([Buffer.from([0x00, 0x04]), Buffer.alloc(8)]);
  t.equal(
    codeOf(() => new FrameDecoder().push(raw(tooMuch))),
    'bad-length',
    'more bytes than announced',
  );
  t.equal(
    codeOf(() => new FrameDecoder().push(raw(Buffer.from([0x00, 0x01])))),
    'bad-length',
    'no room for a CRC',
  );

  // A packet cut short: its next frame never comes, a new one starts and is decoded; the lost one is named.
  const big = encodeFrames(encodePacket({ op: 1, group: 1, sequence: 0, id: 1 }, { data: Buffer.alloc(300) }));
  const decoder = new FrameDecoder();
  t.equal(decoder.push(line(big[0]!)), undefined);
  t.same(decodePacket(decoder.push(good)!).body, { images: [] }, 'the packet that started is decoded');
  t.equal(decoder.dropped?.code, 'truncated', 'the one cut short is named');
  t.same(decodePacket(decoder.push(good)!).body, { images: [] }, 'and the next one too');
  t.equal(decoder.dropped, undefined);
  // A new packet of several frames after a cut one: the lost one is named, the new one read once whole.
  t.equal(decoder.push(line(big[0]!)), undefined);
  t.equal(decoder.push(line(big[0]!)), undefined);
  t.equal(decoder.dropped?.code, 'truncated', 'a cut packet is said to be lost while the new one is still coming');
  for (const frame of big.slice(1, -1)) t.equal(decoder.push(line(frame)), undefined);
  t.ok(decoder.push(line(big.at(-1)!)), 'and the new one is read once whole');

  t.equal(
    codeOf(() => decodePacket(Buffer.alloc(5))),
    'short-header',
  );
  const lying = Buffer.from(packet);
  lying.writeUInt16BE(200, 2);
  t.equal(
    codeOf(() => decodePacket(lying)),
    'bad-length',
  );
  const notCbor = Buffer.concat([Buffer.from([1, 0, 0, 1, 0, 0, 0, 0]), Buffer.from([0xff])]);
  t.equal(
    codeOf(() => decodePacket(notCbor)),
    'bad-cbor',
  );
  const notMap = Buffer.concat([Buffer.from([1, 0, 0, 1, 0, 0, 0, 0]), Buffer.from([0x01])]);
  t.equal(
    codeOf(() => decodePacket(notMap)),
    'bad-cbor',
  );
  const duplicateKeys = Buffer.from([1, 0, 0, 7, 0, 0, 0, 0, 0xa2, 0x61, 0x72, 0x01, 0x61, 0x72, 0x02]);
  t.equal(
    codeOf(() => decodePacket(duplicateKeys)),
    'bad-cbor',
  );
});

t.test('memory stays bounded: a device that never ends its packet holds at most MAX_PACKET', async (t) => {
  const decoder = new FrameDecoder();
  const header = Buffer.alloc(93);
  header.writeUInt16BE(MAX_PACKET + 2, 0);
  t.equal(decoder.push(raw(header)), undefined);
  const filler = `\x04\x14${Buffer.alloc(93).toString('base64')}`;
  let error = '';
  for (let i = 0; i < 200 && !error; i++) error = codeOf(() => decoder.push(filler)) === 'no error' ? '' : 'stopped';
  t.equal(error, 'stopped', 'the decoder refuses more than the announced length');
});

t.test('a start frame inside an unfinished packet never wedges the decoder', async (t) => {
  // A reply whose continuation frames were lost (a log line took their place), then single-frame replies.
  const long = encodeFrames(
    encodePacket({ op: 1, group: 1, sequence: 3, id: 0 }, { images: [], pad: 'x'.repeat(200) }),
  );
  const short = (sequence: number) =>
    line(encodeFrames(encodePacket({ op: 3, group: 0, sequence, id: 0 }, { r: 'ok' }))[0]!);
  const decoder = new FrameDecoder();
  t.equal(decoder.push(line(long[0]!)), undefined);
  const replies = [4, 5, 6].map((sequence) => decodePacket(decoder.push(short(sequence))!).header.sequence);
  t.same(replies, [4, 5, 6], 'every later reply decodes');
  t.equal(
    codeOf(() => decoder.push(line(long[1]!))),
    'stray-continuation',
    "the lost packet's late frames are strays, not a new failure",
  );
  t.same(decodePacket(decoder.push(short(7))!).header.sequence, 7);
});

t.test('MCUmgr parameters: the request as os_mgmt documents it, and the reply read', async (t) => {
  const request = encodePacket({ op: 0, group: 0, sequence: 0, id: 6 }, {});
  t.equal(request.toString('hex'), '0000000100000006a0', 'read, group 0 (OS), command 6, an empty map');
  const v2 = encodePacket({ op: 0, group: 0, sequence: 0, id: 6, version: 1 }, {});
  t.equal(v2[0], 0x08, 'SMPv2: version 1 in bits 3-4 of the first byte');
  t.same(mcumgrParams({ buf_size: 256, buf_count: 4 }), { bufSize: 256, bufCount: 4 });
  t.equal(mcumgrParams({ rc: 8 }), undefined, 'ENOTSUP: no parameters');
  t.equal(mcumgrParams({ buf_size: 'big' }), undefined);
});

t.test("upload chunks sized to the device's buffer: packet, length and CRC fit, one byte more does not", async (t) => {
  const sha = new Uint8Array(32);
  const packet = (fields: Record<string, unknown>, n: number) =>
    encodePacket({ op: 2, group: 1, sequence: 0, id: 1 }, { ...fields, data: new Uint8Array(n) }).length +
    SERIAL_OVERHEAD;
  const first = { len: 9000, sha, off: 0 };
  t.ok(
    packet(first, 256) > 256,
    `a default 256-byte first chunk needs ${packet(first, 256)} bytes of a 256-byte buffer`,
  );
  for (const [bufSize, fields] of [
    [256, first],
    [256, { off: 256 }],
    [384, { off: 70_000 }],
    [300, { off: 1 }], // the byte string's header grows from 2 to 3 bytes at 256
    [1024, { ...first, upgrade: true }],
  ] as const) {
    const n = fitData(bufSize, fields);
    t.ok(packet(fields, n) <= bufSize, `${n} bytes fit ${bufSize}`);
    t.ok(packet(fields, n + 1) > bufSize, `${n + 1} do not`);
  }
  t.equal(fitData(16, { off: 0 }), 0, 'a buffer smaller than the envelope carries nothing');
});

t.test('device errors by name', async (t) => {
  t.same(replyError({ rc: 6 }), { code: 6, name: 'EBADSTATE' });
  t.same(replyError({ rc: 3, rsn: 'bad offset' }), { code: 3, name: 'EINVAL', reason: 'bad offset' });
  t.same(replyError({ err: { group: 1, rc: 27 } }), { code: 27, name: 'CURRENT_VERSION_IS_NEWER' });
  t.same(replyError({ err: { group: 1, rc: 33 } }), { code: 33, name: 'IMAGE_SETTING_TEST_TO_ACTIVE_DENIED' });
  t.same(replyError({ err: { group: 0, rc: 2 } }), { code: 2, name: 'group 0 error 2' }, "os_mgmt's own codes");
  t.same(replyError({ rc: 300 }), { code: 300, name: 'error 300' });
  t.equal(replyError({ off: 10 }), undefined);
  t.equal(replyError({ rc: 0 }), undefined);
});
