// MCUboot images as imgtool 2.x lays them out (mcuboot image.h): the header's bytes at their
// offsets, TLV areas, key hashes of imgtool's public bytes, signatures that verify with Node's
// crypto, and images broken in every field giving a named error rather than a read past the end.
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import t from 'tap';
import {
  buildImage,
  compareVersions,
  keyHash,
  parseImage,
  parseVersion,
  signatureValid,
  signerFor,
  TLV,
} from '../harness/wire/mcuboot-image.ts';
import { MCUBOOT } from '../harness/update/formats.ts';
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

t.test('key hashes are of imgtool public bytes: SPKI for EC, PKCS#1 for RSA, raw for Ed25519', async (t) => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest();
  const pub = (k: (typeof keys)[keyof typeof keys]) => createPublicKey(k);
  t.same(keyHash(keys['ecdsa-p256']), sha(pub(keys['ecdsa-p256']).export({ type: 'spki', format: 'der' })));
  t.same(keyHash(keys['rsa-2048-pss']), sha(pub(keys['rsa-2048-pss']).export({ type: 'pkcs1', format: 'der' })));
  const raw = Buffer.from(pub(keys.ed25519).export({ format: 'jwk' }).x!, 'base64url');
  t.same(keyHash(keys.ed25519), sha(raw));
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
  t.notOk(header.hashValid, 'the hash no longer matches the header');
  t.same(header.hash, team.current.info.hash, "hash and signature are the current image's");
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
