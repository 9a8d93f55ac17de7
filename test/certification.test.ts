// The certification pack: a run of the virtual rig with a declarations.yaml beside it and a lab key.
// Every EN 303 645 provision gets one status per board (bench evidence, declared, not applicable,
// open); one left undeclared is open; the PSTI requirements read from them; the PDF read back has a
// page per board with its profile, identity and firmware hash; the manifest signed, then changed, fails both hil verify --key
// and OpenSSL; bad declarations and bad keys stop a run before it starts, with the file and line.
import t from 'tap';
import './helpers/children.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Certification } from '../harness/report/certification.ts';
import { evidenceText } from '../harness/report/evidence-text.ts';
import { PROVISIONS } from '../harness/standards/en303645.ts';
import { hilRun } from './helpers/run.ts';

t.setTimeout(300_000);
const hil = (args: string[]) =>
  spawnSync(process.execPath, ['bin/hil.js', ...args], { encoding: 'utf8', timeout: 120_000 });

const root = t.testdir({ rigs: {}, keys: {} });
const rigFile = join(root, 'rigs', 'virtual.yaml');
copyFileSync('rigs/virtual.yaml', rigFile);

/** A key pair as PEM files: the lab's private key and the public key it gives out. */
function keyPair(name: string, kind: 'ed25519' | 'ec' | 'rsa') {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 1024 });
  const key = join(root, 'keys', `${name}.pem`);
  const pub = join(root, 'keys', `${name}.pub`);
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub };
}
const ed = keyPair('ed', 'ed25519');
const ec = keyPair('ec', 'ec');
const rsa = keyPair('rsa', 'rsa');

// Every provision answered but 5.3-16, which is left open for both boards and declared for one.
const NOT_APPLICABLE = ['5.10-1', '6-2', '6-3', '6-4', '6-5', '5.3-14', '5.3-15'];
const provisions = Object.fromEntries(
  PROVISIONS.filter((p) => p.id !== '5.3-16').map((p) => [
    p.id,
    NOT_APPLICABLE.includes(p.id) && p.condition
      ? { 'not-applicable': `no: ${p.condition}` }
      : { declared: `how ${p.id} is met`, ...(p.id === '5.2-1' ? { document: 'https://example.test/psirt' } : {}) },
  ]),
);
// Documents beside the declarations: one there, one a link out of the folder; docs/manual.pdf is not there.
mkdirSync(join(root, 'rigs', 'docs'));
writeFileSync(join(root, 'rigs', 'docs', 'update.pdf'), '%PDF-1.4 the update mechanism\n');
symlinkSync('/etc/hostname', join(root, 'rigs', 'docs', 'escape.pdf'));
writeFileSync(
  join(root, 'rigs', 'declarations.yaml'),
  stringify({
    product: 'Virtual T1',
    manufacturer: 'Example Ltd',
    provisions,
    ixit: {
      '2-UserInfo': { declared: 'the user manual, section 9', document: 'docs/manual.pdf' },
      '7-UpdMech': { declared: 'signed OTA', document: 'docs/update.pdf' },
      '8-UpdProc': { declared: 'monthly', document: 'docs/escape.pdf' },
    },
    boards: { 'virtual-legacy': { provisions: { '5.3-16': { declared: 'label on the case' } } } },
  }),
);

const out = join(root, 'run');
const run = hilRun(['--rig', rigFile, '--suite', 'boot-log', '--sign', ed.key], out, { HIL_NO_PDF: '0' });
const cert = () =>
  (JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as { certification: Certification }).certification;

t.test('every provision of clauses 5 and 6 has one status per board', async (t) => {
  t.equal(run.status, 1, 'the legacy board fails boot-log', { stderr: run.stderr.slice(-1500) });
  const c = cert();
  t.match(c, {
    standard: 'ETSI EN 303 645 V2.1.1',
    declarations: { product: 'Virtual T1', manufacturer: 'Example Ltd' },
  });
  t.same(
    c.boards.map((b) => b.board),
    ['virtual-hardened', 'virtual-legacy'],
  );
  for (const b of c.boards) {
    t.same(
      b.provisions.map((p) => p.provision),
      PROVISIONS.map((p) => p.id),
      `${b.board}: all ${PROVISIONS.length} provisions, in the standard's order`,
    );
    for (const p of b.provisions)
      t.ok(['bench evidence', 'declared', 'not applicable', 'open'].includes(p.status), `${b.board} ${p.provision}`);
  }
  t.equal(PROVISIONS.length, 67, 'EN 303 645 V2.1.1 has 67 provisions in clauses 5 and 6');
  const status = (board: string, id: string) =>
    c.boards.find((b) => b.board === board)!.provisions.find((p) => p.provision === id)!;
  t.match(status('virtual-hardened', '5.3-16'), { status: 'open', checks: [] }, 'undeclared, untested: open');
  t.match(status('virtual-legacy', '5.3-16'), { status: 'declared', declaration: { declared: 'label on the case' } });
  t.match(status('virtual-legacy', '5.10-1'), {
    status: 'not applicable',
    declaration: { 'not-applicable': /telemetry/ },
  });
  t.match(status('virtual-hardened', '5.2-1'), {
    status: 'declared',
    declaration: { document: 'https://example.test/psirt' },
  });
  // boot-log's red-flag check is evidence for 5.6-4: the bench decides, the declaration is shown beside it.
  t.match(status('virtual-legacy', '5.6-4'), {
    status: 'bench evidence',
    outcome: 'FAIL',
    declaration: { declared: /5\.6-4/ },
  });
  t.match(status('virtual-hardened', '5.6-4'), { status: 'bench evidence', outcome: 'PASS' });
  const hardened = c.boards.find((b) => b.board === 'virtual-hardened')!;
  t.same(
    hardened.psti.map((r) => r.state),
    ['met', 'met', 'met'],
    'PSTI: passwords, reporting and support period declared',
  );
  t.match(
    hardened.ixit.find((x) => x.id === '20-SecBoot'),
    { state: 'filled by the run', fromRun: [/boot line/] },
  );
  t.match(
    hardened.ixit.find((x) => x.id === '2-UserInfo'),
    { state: 'declared' },
  );
  t.match(
    hardened.ixit.find((x) => x.id === '16-CodeMin'),
    { state: 'missing' },
  );
  t.equal(
    readFileSync(join(out, 'declarations.yaml'), 'utf8'),
    readFileSync(join(root, 'rigs', 'declarations.yaml'), 'utf8'),
    'the declarations used are in the run folder',
  );
  t.match(readFileSync(join(out, 'MANIFEST.sha256'), 'utf8'), / {2}declarations\.yaml\n/, 'and in the manifest');
  t.equal(
    readFileSync(join(out, 'declared-documents', 'docs', 'update.pdf'), 'utf8'),
    '%PDF-1.4 the update mechanism\n',
    'a declared document is in the pack',
  );
  t.match(readFileSync(join(out, 'MANIFEST.sha256'), 'utf8'), / {2}declared-documents\/docs\/update\.pdf\n/);
  t.notOk(
    existsSync(join(out, 'declared-documents', 'docs', 'escape.pdf')),
    'a link out of the folder is not followed',
  );
  t.same(c.declarations?.notInPack, [
    "docs/escape.pdf: outside the declarations' folder",
    'docs/manual.pdf: not there',
  ]);
  t.match(run.stderr, /a declared document is not in the pack: docs\/manual\.pdf: not there/);
});

t.test('report.html: the summary page leads with PSTI; evidence reads as text', async (t) => {
  const page = readFileSync(join(out, 'report.html'), 'utf8');
  t.ok(page.indexOf('id="psti"') < page.indexOf('class="board"'), 'PSTI on the summary page, before the boards');
  t.match(page, /signature<\/th><td>MANIFEST\.sha256\.sig is a detached Ed25519 signature/);
  t.equal((page.match(/<tr class="provision"/g) ?? []).length, 2 * PROVISIONS.length, 'a provision row per board');
  t.notMatch(page, /<pre>\{/, 'no raw JSON evidence');
  t.match(page, /<ul class="facts"><li>/);
  t.match(page, /<a href="declared-documents\/docs\/update\.pdf">docs\/update\.pdf<\/a> \(in this pack\)/);
  t.match(page, /docs\/manual\.pdf \(not in this pack: not there\)/);
  t.same(
    evidenceText({ seen: 'hang after case 42', lines: ['a', 'b'], deadlineMs: 500, failures: [{ confirmed: true }] }),
    {
      facts: ['seen: hang after case 42', 'deadline ms: 500', 'failures 1: confirmed yes'],
      excerpt: ['a', 'b'],
    },
  );
});

t.test('the PDF: a page per board, opening with its device and firmware hash', async (t) => {
  const pdf = join(out, 'report.pdf');
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
  const text = (n: number) =>
    execFileSync('pdftotext', ['-f', String(n), '-l', String(n), '-layout', pdf, '-'], { encoding: 'utf8' }).trim();
  const starts = new Map<string, string>();
  for (let n = 1; n <= pages; n++) {
    const m = /^Board (\S+)/.exec(text(n));
    if (m) starts.set(m[1]!, text(n));
  }
  t.same([...starts.keys()], ['virtual-hardened', 'virtual-legacy'], 'each board starts a page');
  for (const result of run.summary.results) {
    const buildId = result.firmware?.buildId;
    t.ok(buildId, `${result.board}: its boot named a build`);
    t.match(starts.get(result.board), new RegExp(`build ${buildId}`), `${result.board}: the firmware hash on its page`);
    t.match(
      starts.get(result.board),
      /profile: virtual \(.*boards\/virtual\.yaml\); identity expected by the rig: 24:0a:c4:/,
    );
  }
  t.match(text(1), /UK PSTI requirements/, 'the summary first');
});

/** OpenSSL's own verdict on the signature: exit 0 when it verifies. */
const openssl = (pub: string, algorithm: 'ed' | 'ec') =>
  algorithm === 'ed'
    ? spawnSync('openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pub,
        '-rawin',
        '-in',
        join(out, 'MANIFEST.sha256'),
        '-sigfile',
        join(out, 'MANIFEST.sha256.sig'),
      ]).status
    : spawnSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        pub,
        '-signature',
        join(out, 'MANIFEST.sha256.sig'),
        join(out, 'MANIFEST.sha256'),
      ]).status;

t.test('the signed manifest: hil verify --key and OpenSSL agree, and a changed manifest fails both', async (t) => {
  const good = hil(['verify', out, '--key', ed.pub]);
  t.equal(good.status, 0, good.stdout);
  t.match(good.stdout, /signature: MANIFEST\.sha256\.sig: a good Ed25519 signature/);
  t.equal(openssl(ed.pub, 'ed'), 0, 'openssl pkeyutl -verify');
  t.equal(hil(['verify', out, '--key', ec.pub]).status, 1, 'another key: not its signature');
  // Someone changes the report and writes its new hash into the manifest: the hashes agree, the signature not.
  const html = join(out, 'report.html');
  writeFileSync(html, readFileSync(html, 'utf8').replace('FAIL', 'PASS'));
  const manifest = join(out, 'MANIFEST.sha256');
  const fresh = createHash('sha256').update(readFileSync(html)).digest('hex');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^[0-9a-f]{64}(?= {2}report\.html$)/m, fresh));
  const changed = hil(['verify', out, '--key', ed.pub]);
  t.equal(changed.status, 1);
  t.match(
    changed.stdout,
    /^FAILED: \d+ files in the manifest\nsignature: [^\n]* does not verify with the key [0-9a-f]{64} \(Ed25519\)/m,
  );
  t.not(openssl(ed.pub, 'ed'), 0, 'OpenSSL refuses it too');
  // Rebuilt and signed with the P-256 key: OpenSSL's dgst checks it.
  const rebuilt = hil(['report', out, '--sign', ec.key]);
  t.equal(rebuilt.status, 0, rebuilt.stderr);
  t.equal(openssl(ec.pub, 'ec'), 0, 'openssl dgst -sha256 -verify');
  t.equal(hil(['verify', out, '--key', ec.pub]).status, 0);
});

t.test('an unsigned run says so', async (t) => {
  const dir = join(root, 'unsigned');
  mkdirSync(dir);
  for (const f of ['summary.json']) copyFileSync(join(out, f), join(dir, f));
  for (const r of run.summary.results) {
    mkdirSync(join(dir, r.board), { recursive: true });
    copyFileSync(join(out, r.tap), join(dir, r.tap));
  }
  t.equal(hil(['report', dir]).status, 0);
  t.notOk(existsSync(join(dir, 'MANIFEST.sha256.sig')));
  t.match(readFileSync(join(dir, 'report.html'), 'utf8'), /signature<\/th><td>unsigned: no lab key was given/);
  const plain = hil(['verify', dir]);
  t.equal(plain.status, 0);
  t.match(plain.stdout, /signature: unsigned\n/);
  const keyed = hil(['verify', dir, '--key', ed.pub]);
  t.equal(keyed.status, 1);
  t.match(keyed.stdout, /the run is not signed: there is no MANIFEST\.sha256\.sig/);
});

t.test('a bad declarations file or key stops the run before it starts, naming file and line', async (t) => {
  const dir = t.testdir({ rigs: {} });
  const rig = join(dir, 'rigs', 'virtual.yaml');
  copyFileSync('rigs/virtual.yaml', rig);
  writeFileSync(
    join(dir, 'rigs', 'declarations.yaml'),
    'provisions:\n  5.2-1: { not-applicable: "no policy" }\n  5.3-13: { declared: "5 years", document: ../../etc/passwd }\n',
  );
  const bad = hil(['run', '--rig', rig, '--suite', 'boot-log', '--out', join(dir, 'out')]);
  t.equal(bad.status, 2);
  t.match(
    bad.stderr,
    /declarations\.yaml:2:28: provisions\.5\.2-1\.not-applicable: expected nothing: 5\.2-1 has no condition in Annex B, so it always applies/,
  );
  t.match(
    bad.stderr,
    /declarations\.yaml:3:44: provisions\.5\.3-13\.document: expected a document: an http\(s\) URL, or a path inside/,
  );
  t.notOk(existsSync(join(dir, 'out', 'summary.json')), 'no run was started');
  const rsaRun = hil(['run', '--rig', rigFile, '--suite', 'boot-log', '--sign', rsa.key, '--out', join(dir, 'out2')]);
  t.equal(rsaRun.status, 2);
  t.match(rsaRun.stderr, /rsa\.pem: a rsa key; expected Ed25519 or ECDSA P-256/);
  const report = hil(['report', out, '--declarations', join(dir, 'rigs', 'declarations.yaml')]);
  t.equal(report.status, 2, 'hil report refuses it too');
  t.match(report.stderr, /declarations\.yaml:2:28/);
});
