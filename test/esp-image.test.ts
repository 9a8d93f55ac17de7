// ESP-IDF app images as esp_app_format.h and esp_image_format.h lay them out, Secure Boot V2
// signature blocks, and the derived images the rollback suite makes from them.
import { createHash, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { crc32 } from 'node:zlib';
import { ESP_APP } from '../harness/update/formats.ts';
import {
  buildEspImage,
  encodeAppDescription,
  espSignatureValid,
  keyBlock,
  keyDigest,
  parseEspImage,
  SIG_BLOCK,
  signEspImage,
} from '../harness/wire/esp-image.ts';

const key = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
const app = encodeAppDescription({ secureVersion: 3, version: '2.1.0', projectName: 'demo', idfVersion: 'v5.1.2' });
const code = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff));
const unsigned = buildEspImage([
  { loadAddr: 0x3f400020, data: Buffer.concat([app, Buffer.alloc(100, 0x11)]) },
  { loadAddr: 0x400d0020, data: code },
]);

t.test('the header, segments, checksum and SHA-256 where ESP-IDF puts them', async (t) => {
  t.equal(unsigned[0], 0xe9, 'magic');
  t.equal(unsigned[1], 2, 'segment count');
  t.equal(unsigned[23], 1, 'hash appended');
  t.equal(unsigned.readUInt32LE(24), 0x3f400020, 'first segment load address');
  t.equal(unsigned.readUInt32LE(32), 0xabcd5432, 'esp_app_desc_t at offset 0x20');
  t.equal(unsigned.readUInt32LE(36), 3, 'secure_version at 0x24');
  t.equal(unsigned.subarray(48, 53).toString(), '2.1.0', 'version at 0x30');
  const end = unsigned.length - 32;
  t.equal(end % 16, 0, 'the checksum byte sits at offset 15 mod 16');
  let checksum = 0xef;
  for (const byte of Buffer.concat([app, Buffer.alloc(100, 0x11), code])) checksum ^= byte;
  t.equal(unsigned[end - 1], checksum);
  t.same(unsigned.subarray(end), createHash('sha256').update(unsigned.subarray(0, end)).digest());
  const parsed = parseEspImage(unsigned);
  t.same(parsed.app, { secureVersion: 3, version: '2.1.0', projectName: 'demo', idfVersion: 'v5.1.2' });
  t.ok(parsed.hashValid && parsed.checksumValid);
  t.equal(parsed.signature, undefined);
});

t.test('Secure Boot V2: a 1216-byte block at the next 4 KiB, its key digest, its signature', async (t) => {
  const signed = signEspImage(unsigned, key);
  t.equal(signed.length % 4096, 0);
  const at = Math.ceil(unsigned.length / 4096) * 4096;
  t.ok(
    signed.subarray(unsigned.length, at).every((b) => b === 0xff),
    'padded with 0xff',
  );
  t.same([signed[at], signed[at + 1]], [0xe7, 0x02]);
  t.same(signed.subarray(at + 4, at + 36), createHash('sha256').update(signed.subarray(0, at)).digest());
  t.equal(signed.readUInt32LE(at + 1196), crc32(signed.subarray(at, at + 1196)));
  t.equal(keyBlock(key).length, 776, 'n, e, rinv, m-prime');
  const parsed = parseEspImage(signed);
  t.ok(parsed.signature?.crcValid);
  t.same(parsed.signature?.keyDigest, keyDigest(key));
  t.ok(espSignatureValid(signed, parsed));
  const tampered = Buffer.from(signed);
  tampered[3000] = tampered[3000]! ^ 1;
  const broken = parseEspImage(tampered);
  t.notOk(broken.hashValid);
  t.notOk(espSignatureValid(tampered, broken));
  t.ok(
    signed.subarray(at + SIG_BLOCK).every((b) => b === 0xff),
    'the rest of the sector is 0xff',
  );
});

t.test('broken images give a named error', async (t) => {
  const broken = (edit: (b: Buffer) => Buffer) => () => parseEspImage(edit(Buffer.from(unsigned)));
  t.throws(
    broken((b) => b.subarray(0, 10)),
    /shorter than a header/,
  );
  t.throws(
    broken((b) => {
      b[0] = 0xe8;
      return b;
    }),
    /bad magic 0xe8/,
  );
  t.throws(
    broken((b) => {
      b[1] = 0;
      return b;
    }),
    /0 segments/,
  );
  t.throws(
    broken((b) => {
      b.writeUInt32LE(0xffffff, 28);
      return b;
    }),
    /segment 0 of .* runs past the end/,
  );
  t.throws(
    broken((b) => {
      b[32] = 0;
      return b;
    }),
    /app description magic/,
  );
  t.throws(
    () => encodeAppDescription({ secureVersion: 0, version: 'x'.repeat(32), projectName: '', idfVersion: '' }),
    /over 31/,
  );
  t.throws(() => keyBlock(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), /3072 bits/);
});

t.test('the derived images: re-signed, version only, flipped, the next version', async (t) => {
  const signed = signEspImage(unsigned, key);
  const rebuilt = parseEspImage(ESP_APP.rebuilt(signed, { version: '2.1.1', counter: 2, key }));
  t.equal(rebuilt.app.version, '2.1.1');
  t.equal(rebuilt.app.secureVersion, 2);
  t.equal(rebuilt.app.projectName, 'demo', 'the rest of the description kept');
  t.ok(rebuilt.hashValid);
  const rebuiltBytes = ESP_APP.rebuilt(signed, { version: '2.1.1', key });
  t.ok(espSignatureValid(rebuiltBytes, parseEspImage(rebuiltBytes)));
  const bare = parseEspImage(ESP_APP.rebuilt(signed, { version: '2.1.1' }));
  t.equal(bare.signature, undefined);
  const versionOnly = ESP_APP.withVersionOnly(signed, '2.1.1');
  const parsed = parseEspImage(versionOnly);
  t.equal(parsed.app.version, '2.1.1');
  t.ok(parsed.hashValid, 'the SHA-256 recomputed, as anyone can');
  t.ok(parsed.signature, 'the old signature block kept');
  t.notOk(espSignatureValid(versionOnly, parsed), 'which no longer verifies');
  const { bytes, at } = ESP_APP.flipped(signed);
  t.ok(at > 24 + 8 + app.length, 'the flip is in code, not in the description');
  t.notOk(parseEspImage(bytes).hashValid);
  t.equal(ESP_APP.probeVersion('2.1.0'), '2.1.1');
  t.equal(ESP_APP.probeVersion('v5.1-rc2'), 'v5.1-rc3');
  t.equal(ESP_APP.probeVersion('release'), 'release.1');
  const trimmed = ESP_APP.parse(Buffer.concat([signed, Buffer.alloc(8192, 0xff)]));
  t.equal(trimmed.bytes.length, signed.length, 'partition padding is not part of the image');
  t.equal(trimmed.info.counter, 3);
});
