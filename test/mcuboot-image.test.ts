// MCUboot images as imgtool 2.x lays them out (mcuboot image.h): the header's bytes at their
// offsets, TLV areas, SHA-256 and SHA-512 image hashes, key hashes of imgtool's public bytes,
// signatures that verify with Node's crypto (Ed25519 over the digest or, pure, over the image;
// ECDSA zero-padded as --pad-sig writes it), images broken in every field giving a named error
// rather than a read past the end, and versions compared as MCUboot's image_version fields.
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import t from 'tap';
import {
  buildImage,
  compareVersions,
  parseImage,
  parseVersion,
  signatureValid,
  TLV,
} from '../harness/wire/mcuboot-image.ts';
import { keyHash, signerFor } from '../harness/wire/mcuboot-sign.ts';
import { MCUBOOT } from '../harness/update/formats.ts';
import { sameVersion } from '../harness/update/path.ts';
import { candidate, offers, type TeamImages } from '../harness/update/variants.ts';

const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
const keys = {
  'ecdsa-p256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'rsa-2048-pss': generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  ed25519: generateKeyPairSync('ed25519').privateKey,
};

t.test('the header and TLV bytes where image.h puts them', async (t) => {
  const image = buildImage({ body, version: '1.2.3+4', securityCounter: 7, hdrSize: 0x200, loadAddr: 0x8000 });
  t.same([...image.subarray(0, 4)], [0x3d, 0xb8, 0xf3, 0x96], 'magic 0x96f3b83d, little-endian');
  t.equal(image.readUInt32LE(4), 0x8000, 'load_addr');
  t.equal(image.readUInt16LE(8), 0x200, 'hdr_size');
  t.equal(image.readUInt16LE(10), 12, 'protect_tlv_size: info header + one 4-byte TLV');
  t.equal(image.readUInt32LE(12), body.length, 'img_size');
  t.same([...image.subarray(20, 28)], [1, 2, 3, 0, 4, 0, 0, 0], 'version u8 u8 u16 u32');
  t.ok(
    image.subarray(32, 0x200).every((b) => b === 0),
    'header padded with zeros',
  );
  const prot = 0x200 + body.length;
  t.equal(image.readUInt16LE(prot), 0x6908, 'protected TLV info magic');
  t.equal(image.readUInt16LE(prot + 2), 12);
  t.same([image.readUInt16LE(prot + 4), image.readUInt16LE(prot + 6), image.readUInt32LE(prot + 8)], [0x50, 4, 7]);
  const tlvs = prot + 12;
  t.equal(image.readUInt16LE(tlvs), 0x6907, 'TLV info magic');
  t.equal(image.readUInt16LE(tlvs + 2), 4 + 4 + 32, 'the total includes the info header');
  t.same([image.readUInt16LE(tlvs + 4), image.readUInt16LE(tlvs + 6)], [0x10, 32]);
  const digest = createHash('sha256').update(image.subarray(0, tlvs)).digest();
  t.same(image.subarray(tlvs + 8, tlvs + 40), digest, 'SHA256 of header, body and protected TLVs');
  t.equal(image.length, tlvs + 40);
});

for (const [kind, key] of Object.entries(keys)) {
  t.test(`${kind}: signed, parsed back exactly, verified`, async (t) => {
    const image = buildImage({ body, version: '2.0.1', securityCounter: 3, signer: signerFor(key) });
    const parsed = parseImage(Buffer.concat([image, Buffer.alloc(64, 0xff)]));
    t.equal(parsed.length, image.length, 'slot padding after the TLVs is not part of it');
    t.equal(parsed.version, '2.0.1');
    t.equal(parsed.securityCounter, 3);
    t.ok(parsed.hashValid);
    t.equal(parsed.signatureKind, kind);
    t.same(
      parsed.tlvs.map((x) => x.type),
      [TLV.SHA256, TLV.KEYHASH, { 'ecdsa-p256': 0x22, 'rsa-2048-pss': 0x20, ed25519: 0x24 }[kind]],
    );
    t.same(parsed.keyHash, keyHash(key));
    t.ok(signatureValid(parsed, createPublicKey(key)), 'verifies with its own key');
    const other = generateKeyPairSync('ed25519').publicKey;
    t.notOk(signatureValid(parsed, other), 'not with another');
    const flipped = Buffer.from(image);
    flipped[40]! ^= 1;
    const tampered = parseImage(flipped);
    t.notOk(tampered.hashValid);
    t.notOk(signatureValid(tampered, createPublicKey(key)), 'nor once a body byte changed');
  });
}

t.test('key hashes are of imgtool public bytes: SPKI for EC and Ed25519, PKCS#1 for RSA', async (t) => {
  const sha = (b: Buffer, alg = 'sha256') => createHash(alg).update(b).digest();
  const pub = (k: (typeof keys)[keyof typeof keys]) => createPublicKey(k);
  t.same(keyHash(keys['ecdsa-p256']), sha(pub(keys['ecdsa-p256']).export({ type: 'spki', format: 'der' })));
  t.same(keyHash(keys['rsa-2048-pss']), sha(pub(keys['rsa-2048-pss']).export({ type: 'pkcs1', format: 'der' })));
  const spki = pub(keys.ed25519).export({ type: 'spki', format: 'der' });
  t.equal(spki.length, 44, 'an Ed25519 SubjectPublicKeyInfo, as MCUboot embeds the key');
  t.same(keyHash(keys.ed25519), sha(spki));
  t.same(keyHash(keys.ed25519, 'sha512'), sha(spki, 'sha512'), 'hashed as the image is: SHA-512 with --sha 512');
});

t.test(
  'imgtool sign --sha 512: a SHA512 TLV (0x12) of 64 bytes, the key hash and Ed25519 over that digest',
  async (t) => {
    const image = buildImage({ body, version: '1.0.0', signer: signerFor(keys.ed25519), hash: 'sha512' });
    const tlvs = 32 + body.length;
    t.same([image.readUInt16LE(tlvs), image.readUInt16LE(tlvs + 4), image.readUInt16LE(tlvs + 6)], [0x6907, 0x12, 64]);
    const payload = image.subarray(0, tlvs);
    const digest = createHash('sha512').update(payload).digest();
    t.same(image.subarray(tlvs + 8, tlvs + 72), digest, 'SHA-512 of header and body');
    const parsed = parseImage(image);
    t.equal(parsed.hashKind, 'sha512');
    t.same(parsed.hash, digest, 'the image is named by it');
    t.ok(parsed.hashValid);
    t.notOk(parsed.pure);
    t.same(
      parsed.tlvs.map((x) => [x.type, x.value.length]),
      [
        [0x12, 64],
        [0x01, 64],
        [0x24, 64],
      ],
    );
    t.ok(verify(null, digest, createPublicKey(keys.ed25519), parsed.signature!), 'Ed25519 over the SHA-512 digest');
    t.ok(signatureValid(parsed, createPublicKey(keys.ed25519)));
    const flipped = Buffer.from(image);
    flipped[100]! ^= 1;
    t.notOk(parseImage(flipped).hashValid);
    t.notOk(signatureValid(parseImage(flipped), createPublicKey(keys.ed25519)));
  },
);

t.test('imgtool sign --pure: SIG_PURE (0x25) says the Ed25519 signature is over the image itself', async (t) => {
  const image = buildImage({ body, version: '1.0.0', securityCounter: 4, signer: signerFor(keys.ed25519), pure: true });
  const parsed = parseImage(image);
  t.same(
    parsed.tlvs.map((x) => x.type),
    [TLV.SHA512, TLV.SIG_PURE, TLV.KEYHASH, TLV.ED25519],
    "imgtool's order: hash, SIG_PURE, key hash, signature",
  );
  t.same(parsed.tlvs[1]!.value, Buffer.from([1]), 'SIG_PURE holds one byte, true');
  t.ok(parsed.pure);
  t.ok(parsed.hashValid);
  const payload = image.subarray(0, 32 + body.length + 12);
  t.same(parsed.payload, payload, 'header, body and the protected TLVs');
  t.ok(verify(null, payload, createPublicKey(keys.ed25519), parsed.signature!), 'Ed25519 over the payload itself');
  t.ok(signatureValid(parsed, createPublicKey(keys.ed25519)));
  t.notOk(signatureValid(parsed, generateKeyPairSync('ed25519').publicKey), 'not with another key');
  t.throws(
    () => buildImage({ body, version: '1.0.0', signer: signerFor(keys['ecdsa-p256']), pure: true }),
    /pure signature is Ed25519/,
  );
  t.throws(() => buildImage({ body, version: '1.0.0', signer: signerFor(keys.ed25519), pure: true, hash: 'sha256' }));
});

t.test('imgtool sign --pad-sig: DER signatures padded with zeros to 72 bytes are accepted, 12 of 12', async (t) => {
  const key = keys['ecdsa-p256'];
  const lengths = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const image = buildImage({ body, version: '1.0.0', signer: signerFor(key, { padSignature: true }) });
    const parsed = parseImage(image);
    t.equal(parsed.signature!.length, 72, `signature ${i}: a fixed 72 bytes`);
    lengths.add(parsed.signature![1]! + 2);
    t.ok(
      signatureValid(parsed, createPublicKey(key)),
      `signature ${i} (DER ${parsed.signature![1]! + 2} bytes) verifies`,
    );
  }
  t.ok(lengths.size > 1 || !lengths.has(72), `DER lengths ${[...lengths]}: some were padded`);
  const image = buildImage({ body, version: '1.0.0', signer: signerFor(key, { padSignature: true }) });
  const parsed = parseImage(image);
  const der = parsed.signature![1]! + 2;
  if (der < 72) {
    parsed.signature![71] = 1;
    t.notOk(signatureValid(parsed, createPublicKey(key)), 'anything but zeros after the DER is not padding');
  }
});

t.test('ECDSA signatures are DER of varying length, never a fixed size', async (t) => {
  const lengths = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const parsed = parseImage(buildImage({ body, version: '1.0.0', signer: signerFor(keys['ecdsa-p256']) }));
    lengths.add(parsed.signature!.length);
    t.ok(verify('sha256', parsed.payload, createPublicKey(keys['ecdsa-p256']), parsed.signature!), `signature ${i}`);
  }
  t.ok(
    [...lengths].every((n) => n >= 68 && n <= 72),
    `lengths ${[...lengths]}`,
  );
});

t.test('versions: imgtool syntax, bounds, and MCUboot comparison without the build number', async (t) => {
  t.same(parseVersion('1.2.3+4'), { major: 1, minor: 2, revision: 3, build: 4 });
  t.same(parseVersion('7'), { major: 7, minor: 0, revision: 0, build: 0 });
  t.throws(() => parseVersion('256.0.0'), { name: 'ImageFormatError' });
  t.throws(() => parseVersion('1.2.65536'), { name: 'ImageFormatError' });
  t.throws(() => parseVersion('v1.2'), { name: 'ImageFormatError' });
  t.equal(compareVersions(parseVersion('1.2.3+9'), parseVersion('1.2.3+1')), 0);
  t.ok(compareVersions(parseVersion('1.2.3+9'), parseVersion('1.2.3+1'), true) > 0);
  t.ok(compareVersions(parseVersion('1.10.0'), parseVersion('1.9.9')) > 0);
});

t.test("the same version, as image_version's four fields: Zephyr's 1.2.3.4 is imgtool's 1.2.3+4", async (t) => {
  t.ok(sameVersion('1.2.3.4', '1.2.3+4'), "the image list's form and imgtool's");
  t.ok(sameVersion('1.4.2', '1.4.2+0'));
  t.ok(sameVersion('1.4.2', '1.4.2.0'));
  t.ok(sameVersion('1.4', '1.4.0'));
  t.ok(sameVersion('1.2+4', '1.2.0.4'), "imgtool's -v syntax takes a build after any field");
  t.notOk(sameVersion('1.4.2', '1.4.2+3'), 'the build number counts');
  t.notOk(sameVersion('1.4.2.3', '1.4.2+4'));
  t.notOk(sameVersion('1.4.2', '1.4.3'));
  t.notOk(sameVersion('1.2.3.4+5', '1.2.3+4'), 'not a version: compared as text');
  t.ok(sameVersion('v5.1-dirty', 'v5.1-dirty'));
  t.notOk(sameVersion('1.4.2', undefined));
});

t.test('broken images give a named error, never a read past the end', async (t) => {
  const image = buildImage({ body, version: '1.0.0', securityCounter: 1, signer: signerFor(keys.ed25519) });
  const broken = (edit: (b: Buffer) => Buffer | undefined) => {
    const copy = Buffer.from(image);
    return () => parseImage(edit(copy) ?? copy);
  };
  t.throws(
    broken((b) => b.subarray(0, 20)),
    /shorter than a header/,
  );
  t.throws(
    broken((b) => void b.writeUInt32LE(0x96f3b83c, 0)),
    /bad magic 0x96f3b83c/,
  );
  t.throws(
    broken((b) => void b.writeUInt32LE(0xffffff, 12)),
    /body of .* runs past the end/,
  );
  t.throws(
    broken((b) => void b.writeUInt16LE(8, 8)),
    /header size 8/,
  );
  t.throws(
    broken((b) => void b.writeUInt16LE(16, 10)),
    /protected TLVs are 12 bytes, header says 16/,
  );
  t.throws(
    broken((b) => b.subarray(0, b.length - 10)),
    /TLV area claims/,
  );
  const unprotected = 32 + body.length + 12;
  t.throws(
    broken((b) => void b.writeUInt16LE(0x1234, unprotected)),
    /TLV magic 0x1234/,
  );
  t.throws(
    broken((b) => void b.writeUInt16LE(0xfff0, unprotected + 6)),
    /runs past its area/,
  );
  t.throws(() => buildImage({ body, version: '1.0.0', securityCounter: -1 }), /security counter -1/);
  t.throws(() => signerFor(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), /not one MCUboot verifies/);
});

t.test('the images the rollback suite derives', async (t) => {
  const key = keys['ecdsa-p256'];
  const signer = signerFor(key);
  const made = (version: string, securityCounter: number) =>
    candidate(MCUBOOT, buildImage({ body, version, securityCounter, signer, hdrSize: 0x200 }), version);
  const team: TeamImages = {
    format: MCUBOOT,
    current: made('1.4.2', 2),
    older: made('1.4.1', 2),
    newer: made('1.5.0', 3),
    key,
  };
  const o = offers(team);
  const get = (name: string) => {
    const offer = o[name]!;
    if ('skip' in offer) throw new Error(`${name} skipped: ${offer.skip}`);
    return parseImage(offer.bytes);
  };
  const publicKey = createPublicKey(key);
  t.equal(get('older').version, '1.4.1');
  t.equal(get('same-version').version, '1.4.2');
  const tampered = get('tampered');
  t.equal(tampered.version, '1.4.3', 'tampered from the re-signed probe, not the newer image');
  t.notOk(tampered.hashValid);
  t.equal(tampered.header.hdrSize, 0x200, 'the header size kept');
  t.same(tampered.payload.subarray(0x200, 0x200 + 16), body.subarray(0, 16), 'the body where it was');
  const header = get('header-version');
  t.equal(header.version, '1.4.3');
  t.ok(header.hashValid, 'the hash recomputed, as anyone can');
  t.notSame(header.hash, team.current.info.hash, 'so the device finds it by its own hash, not the running one');
  t.same(header.signature, parseImage(team.current.bytes).signature, "the signature is the current image's");
  t.notOk(signatureValid(header, publicKey), 'and no longer verifies');
  const unsigned = get('unsigned');
  t.ok(unsigned.hashValid);
  t.equal(unsigned.signature, undefined);
  t.equal(unsigned.keyHash, undefined);
  const wrongKey = get('wrong-key');
  t.ok(wrongKey.hashValid);
  t.equal(wrongKey.signatureKind, 'ecdsa-p256', 'a key of the same kind');
  t.notSame(wrongKey.keyHash, team.current.info.keyId);
  const lower = get('lower-counter');
  t.equal(lower.securityCounter, 1);
  t.equal(lower.version, '1.4.3');
  t.ok(signatureValid(lower, publicKey), "signed with the team's key");
  t.ok(signatureValid(get('tampered'), publicKey) === false, 'the tampered signature no longer verifies');

  const noKey = offers({ format: MCUBOOT, current: team.current });
  t.match(noKey['lower-counter'], { skip: /signing key/ });
  t.match(noKey.tampered, { skip: /signing key .* or a newer image/ });
  t.match(noKey.older, { skip: /no older image/ });
  const fromNewer = offers({ format: MCUBOOT, current: team.current, newer: team.newer! }).tampered!;
  t.equal('info' in fromNewer && fromNewer.info.version, '1.5.0', 'without the key, the newer image is tampered');
  t.match(offers({ format: MCUBOOT, current: made('1.4.2', 0), key })['lower-counter'], { skip: /counter is 0/ });
  t.equal(MCUBOOT.probeVersion('1.4.65535'), '1.5.0');
});

t.test("derived images keep the team's hashing: SHA-512 and a pure Ed25519 signature", async (t) => {
  const key = keys.ed25519;
  const made = (version: string, securityCounter: number) =>
    candidate(MCUBOOT, buildImage({ body, version, securityCounter, signer: signerFor(key), pure: true }), version);
  const o = offers({ format: MCUBOOT, current: made('2.0.0', 5), key });
  const publicKey = createPublicKey(key);
  for (const name of ['tampered', 'header-version', 'unsigned', 'wrong-key', 'lower-counter']) {
    const offer = o[name]!;
    if ('skip' in offer) throw new Error(`${name} skipped`);
    const parsed = parseImage(offer.bytes);
    t.equal(parsed.hashKind, 'sha512', `${name}: SHA-512`);
    t.equal(offer.info.hash?.length, 64, `${name}: named by a 64-byte hash`);
    if (name !== 'unsigned') t.ok(parsed.pure, `${name}: pure`);
  }
  const lower = o['lower-counter']!;
  t.ok('info' in lower && signatureValid(parseImage(lower.bytes), publicKey), 'the re-signed image verifies');
  const header = o['header-version']!;
  t.ok('info' in header && parseImage(header.bytes).hashValid && !signatureValid(parseImage(header.bytes), publicKey));
});
