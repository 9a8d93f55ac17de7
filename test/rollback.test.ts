// rollback through `hil run`: the hardened board refuses every bad image over SMP and takes the newer
// one; each bootloader flaw fails exactly the checks it should and no others, through an ideal mcumgr
// server and one that behaves as Zephyr's; a board with no update path skips, and one that does not
// run the rig's current image cannot be judged.
import t from 'tap';
import './helpers/children.ts';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../harness/wire/mcuboot-image.ts';
import { signerFor } from '../harness/wire/mcuboot-sign.ts';
import { hilRun } from './helpers/run.ts';

const id = (check: string) => `rollback/${check}`;
/** flaw -> the checks it fails on both paths (every other check must still pass). */
const FAILS: Record<string, string[]> = {
  hardened: [],
  'downgrade-accepted': ['older-refused'],
  // The header-version image has its hash recomputed: only a signature check refuses it.
  'signature-not-checked': ['header-version-refused'],
  'unsigned-accepted': ['unsigned-refused'],
  'any-key-accepted': ['wrong-key-refused'],
  'counter-ignored': ['lower-counter-refused'],
};
/** Per path: MCUboot's flaw trusts the hash TLV as the signed digest, which the recomputed hash no longer
 * matches; ESP-IDF's trusts the digest in the signature block, which the header-version image kept. */
const FAILS_BY_PATH = {
  smp: {
    ...FAILS,
    'hash-not-checked': ['tampered-refused'],
    // Through mcumgr as Zephyr's behaves: the header-version image reaches the bootloader there too.
    zephyr: [],
    'zephyr-signature-not-checked': ['header-version-refused'],
  },
  'esp-ota': { ...FAILS, 'hash-not-checked': ['tampered-refused', 'header-version-refused'] },
};

// One fixture folder for both runs: a second t.testdir() at the top level would empty the first.
const runs = t.testdir({ smp: {}, esp: {} });
const runDir = join(runs, 'smp');
const run = hilRun(['--rig', 'test/fixtures/rigs/rollback-flaws.yaml', '--suite', 'rollback'], runDir);
const esp = hilRun(['--rig', 'test/fixtures/rigs/rollback-esp-flaws.yaml', '--suite', 'rollback'], join(runs, 'esp'));

for (const [path, result, fails] of [
  ['SMP to MCUboot', run, FAILS_BY_PATH.smp],
  ['ESP-IDF HTTPS OTA', esp, FAILS_BY_PATH['esp-ota']],
] as const) {
  t.test(`${path}: each flaw fails exactly its checks`, async (t) => {
    t.equal(result.status, 1, 'exit 1: insecure boards found');
    for (const [board, failing] of Object.entries(fails)) {
      t.notOk(result.result(board).error, `${board} ran to its end`);
      t.same(result.having(board, 'fail'), failing.map(id).sort(), `${board} fails ${failing.join(', ') || 'nothing'}`);
      t.equal(result.having(board, 'pass').length, 8 - failing.length, `${board} passes the rest`);
      t.equal(result.check(board, id('newer-accepted')).verdict, 'pass', `${board}: the positive control installs`);
    }
  });
}

t.test('an upload acknowledged but never written: the current image still runs, and nothing is refused', async (t) => {
  const refusals = ['older', 'tampered', 'header-version', 'unsigned', 'wrong-key', 'lower-counter'];
  for (const check of refusals.map((r) => id(`${r}-refused`))) {
    const c = run.check('upload-discarded', check);
    t.equal(c.verdict, 'inconclusive', `${check}: not a pass`);
    t.match(c.reason, /nothing shows the offered image reached the device/);
    t.match(c.evidence, { running: { imageList: '1.4.2' } });
  }
});

t.test("ESP-IDF OTA evidence: the firmware's own refusal, the version command beside the boot log", async (t) => {
  t.match(esp.check('hardened', id('older-refused')).evidence, {
    refusedAt: /download: .*New firmware version 1.4.1 is older than the running 1.4.2/,
    running: { bootLog: '1.4.2', versionCommand: '1.4.2' },
  });
  t.match(esp.check('hardened', id('lower-counter-refused')).evidence, {
    refusedAt: /security version is less than eFuse programmed, 1 < 2/,
  });
  t.match(esp.check('hardened', id('unsigned-refused')).evidence, { refusedAt: /No signature block/ });
  t.match(esp.check('hardened', id('same-version')).evidence, { policy: /refused at download: .*same as a new/ });
  t.match(esp.check('counter-ignored', id('lower-counter-refused')).evidence, {
    seen: 'the offered image runs',
    bootloader: [/pending verify/],
  });
});

t.test(
  "Zephyr's mcumgr: the versions agree as image_version fields; the derived images reach the bootloader",
  async (t) => {
    t.match(run.check('zephyr', id('header-version-refused')).evidence, {
      offered: /version raised to 1\.4\.3, not re-signed/,
      refusedAt: 'boot',
      running: { bootLog: '1.4.2+3', imageList: '1.4.2.3' },
      delivered: /the image list shows it in the secondary slot \(1\.4\.3\)/,
      rejected: /the bootloader said: E: Image in the secondary slot is not valid!/,
    });
    t.match(run.check('zephyr-signature-not-checked', id('header-version-refused')).evidence, {
      seen: 'the offered image runs',
      running: { bootLog: '1.4.3', imageList: '1.4.3' },
    });
    t.match(run.check('zephyr', id('same-version')).evidence, {
      policy: 'refused at state write: IMAGE_SETTING_TEST_TO_ACTIVE_DENIED',
    });
    const log = readFileSync(join(runDir, 'zephyr', 'rollback.log'), 'utf8');
    t.match(log, /smp: the device's buffers: 4 of 256 bytes/, 'chunks sized to its MCUmgr parameters');
    t.match(
      log,
      /again \(1 of 2\): a broken frame came while it waited/,
      'replies broken by log lines asked for again',
    );
  },
);

t.test('evidence: both sources, where the device refused, and what its bootloader said', async (t) => {
  t.match(run.check('hardened', id('older-refused')).evidence, {
    offeredVersion: '1.4.1',
    refusedAt: 'boot',
    running: { bootLog: '1.4.2', imageList: '1.4.2' },
    bootloader: [/insufficient version/],
  });
  t.match(run.check('hardened', id('older-refused')).evidence, {
    delivered: /every chunk acknowledged; the image list shows it in the secondary slot \(1\.4\.1/,
    rejected:
      /the bootloader said: E: insufficient version in secondary slot.*; the image list shows the secondary slot cleared of it/,
  });
  t.match(run.check('hardened', id('lower-counter-refused')).evidence, {
    offered: /security counter 1 \(current 2\)/,
    bootloader: [/security counter value 1 lower than monotonic value 2/],
  });
  t.match(run.check('downgrade-accepted', id('older-refused')).evidence, {
    running: { bootLog: '1.4.1', imageList: '1.4.1' },
    seen: 'the offered image runs',
    bootloader: [/Swap type: test/],
  });
  t.match(run.check('hardened', id('same-version')).evidence, { policy: /accepted: a test boot/ });
  t.match(run.check('hardened', id('newer-accepted')).evidence, {
    firstBoot: '1.5.0',
    afterKeep: '1.5.0',
    confirmed: true,
  });
  const log = run.check('hardened', id('older-refused')).evidence as { log?: string };
  t.match(log.log, 'hardened/rollback.log', 'the console log, with the SMP exchange in it');
});

t.test('no update path: every check skips with the reason; no opt-in: the control skips', async (t) => {
  const dir = t.testdir({});
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: rollback-edges',
      'virtual: true',
      'boards:',
      '  plain: { profile: virtual, console: { port: auto } }',
      '  cautious:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    rollback: { path: smp, current: auto, newer: auto }',
      '',
    ].join('\n'),
  );
  const edges = hilRun(['--rig', join(dir, 'rig.yaml'), '--suite', 'rollback'], join(dir, 'out'));
  t.equal(edges.status, 0);
  const plain = edges.result('plain');
  t.equal(plain.checks.length, 8, 'the same ids as a run');
  t.ok(plain.checks.every((c) => c.verdict === 'skip' && /no update path/.test(c.reason ?? '')));
  t.match(edges.check('cautious', id('newer-accepted')).reason, /opt-in: rollback.allow-upgrade/);
  t.match(edges.check('cautious', id('lower-counter-refused')).reason, /signing key/);
  t.match(edges.check('cautious', id('older-refused')).reason, /no older image/);
  t.match(edges.check('cautious', id('tampered-refused')).evidence, { offered: /newer image .* one bit flipped/ });
  t.same(
    edges
      .having('cautious', 'pass')
      .map((c) => c.replace('rollback/', ''))
      .sort(),
    ['header-version-refused', 'same-version', 'tampered-refused', 'unsigned-refused', 'wrong-key-refused'],
  );
});

t.test("images that are not the board's, or not there: nothing can be judged, nothing passes", async (t) => {
  const dir = t.testdir({});
  const { privateKey } = generateKeyPairSync('ed25519');
  const foreign = buildImage({
    body: Buffer.alloc(512, 1),
    version: '1.4.2',
    securityCounter: 2,
    signer: signerFor(privateKey),
  });
  writeFileSync(join(dir, 'foreign.bin'), foreign);
  copyFileSync('package.json', join(dir, 'not-an-image.bin'));
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: rollback-wrong',
      'virtual: true',
      'boards:',
      '  foreign: { profile: virtual, console: { port: auto }, rollback: { path: smp, current: foreign.bin } }',
      '  missing: { profile: virtual, console: { port: auto }, rollback: { path: smp, current: gone.bin } }',
      '  garbage: { profile: virtual, console: { port: auto }, rollback: { path: smp, current: not-an-image.bin } }',
      '',
    ].join('\n'),
  );
  const wrong = hilRun(['--rig', join(dir, 'rig.yaml'), '--suite', 'rollback'], join(dir, 'out'));
  t.equal(wrong.status, 2, 'exit 2: could not test');
  for (const board of ['foreign', 'missing', 'garbage'])
    t.same(wrong.having(board, 'pass'), [], `${board}: nothing passes`);
  t.match(wrong.check('foreign', id('older-refused')).reason, /does not run the rig's current image/);
  t.match(wrong.check('missing', id('older-refused')).reason, /gone\.bin.*ENOENT|ENOENT.*gone\.bin/);
  t.match(
    wrong.check('garbage', id('older-refused')).reason,
    /current image .*not-an-image\.bin: MCUboot image: bad magic/,
  );
});
