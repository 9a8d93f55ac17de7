// brownout through `hil run`: the hardened board on a bench supply passes every glitch profile;
// each power-loss flaw fails the check aimed at it, with the trial's timing (requested and
// achieved) and the console excerpt as evidence, and the checks that ran before it still pass.
// Trials are judged against the board's baseline: flaws present at every boot are named, not blamed;
// a settings store that fails the positive control (a clean power cycle) makes the checks inconclusive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import './helpers/children.ts';
import { hilRun } from './helpers/run.ts';

const id = (check: string) => `brownout/${check}`;
const CHECKS = ['cut', 'sag', 'cut-at-marker', 'every-write', 'cycles', 'rollback-after-cut'];
/** The checks made of trials (the boards with no update path skip rollback-after-cut). */
const TRIALS = ['cut', 'sag', 'cut-at-marker', 'every-write', 'cycles'].map(id).sort();

const out = t.testdir({});
const run = hilRun(['--rig', 'test/fixtures/rigs/brownout-flaws.yaml', '--suite', 'brownout'], out);

t.test('the hardened board recovers from every trial of every profile', async (t) => {
  t.equal(run.status, 1, 'exit 1: insecure boards found', { stderr: run.stderr.slice(-1500) });
  t.same(run.having('hardened', 'pass'), CHECKS.map(id).sort(), 'all six checks pass');
  const everyWrite = run.check('hardened', id('every-write')).evidence;
  t.match(everyWrite, { headline: '5/5 cuts recovered', activity: 'update' }, 'four swap sectors and the boot status');
  t.match(everyWrite.trials, [{ timing: { marker: 'I: flash: swap sector 1/4', markerIndex: 1, requestedOffMs: 50 } }]);
  const timing = (everyWrite.trials as { timing: { offBetweenMs: number[]; offAnsweredMs: number } }[])[0]!.timing;
  t.ok(timing.offBetweenMs[0]! >= 45 && timing.offBetweenMs[1]! >= timing.offBetweenMs[0]!, 'achieved off-time bounds');
  t.ok(timing.offAnsweredMs >= 0, "the supply's answer time is recorded");
  t.match(run.check('hardened', id('cut-at-marker')).evidence, {
    headline: '2/2 cuts recovered',
    activity: 'settings write',
    aimedBy: /write markers/,
  });
  t.match(run.check('hardened', id('sag')).evidence, {
    headline: '1/1 sags recovered',
    trials: [{ timing: { requestedVolts: 2.07, measuredVolts: 2.07, thresholdVolts: 2.43 } }],
    settingsControl: /^"hil-bo-\d+-1" written, and read back after a clean power cycle: .*hil\.marker=hil-bo-\d+-1/,
  });
  t.notOk(run.check('hardened', id('cut')).evidence.baseline, 'nothing to name from its baseline');
});

t.test('always-open: what it does at every boot is named, not blamed on the trials', async (t) => {
  // jtag-open (a red flag), secure-boot-off (a required line missing), debug-command (obeyed): all
  // present at the clean boot before the trials, judged by boot-log and debug-interfaces.
  t.same(run.having('always-open', 'pass'), TRIALS, 'every trial check passes');
  for (const check of TRIALS)
    t.match(run.check('always-open', check).evidence.baseline, [
      /^required line \/secure_boot_v2: .*\/ missing at the clean boot before the trials too: judged by boot-log\/required-lines$/,
      /^red flag ".*Not disabling JTAG - SECURITY COMPROMISED" at the clean boot before the trials too: judged by boot-log\/no-red-flag$/,
      /^"debug mem 0x3ffb0000 16" obeyed before the trials too: judged by debug-interfaces\/console$/,
    ]);
});

t.test("prompt-ready: a write cut mid-way does not take the next boot's prompt (its ready line)", async (t) => {
  // Before, the write waiting for its prompt took the next boot's, and every cut read "bricked".
  t.same(run.having('prompt-ready', 'fail'), [], 'no trial reads bricked');
  t.match(run.check('prompt-ready', id('cut-at-marker')).evidence, { headline: /^2\/2 cuts recovered$/ });
});

t.test('settings-write-fails: a write that reports failure is never the set-up of a cut', async (t) => {
  t.same(run.having('settings-write-fails', 'fail'), [], 'nothing fails');
  t.same(run.having('settings-write-fails', 'inconclusive'), TRIALS);
  const unwritten =
    /^the settings marker could not be written, so no trial can judge the settings: its answer reports a failure: "Failed: nvs_set_str: ESP_FAIL \(0x103\)"$/;
  for (const check of ['cut', 'sag', 'cycles']) t.match(run.check('settings-write-fails', id(check)).reason, unwritten);
  for (const check of ['cut-at-marker', 'every-write'])
    t.match(
      run.check('settings-write-fails', id(check)).reason,
      /^the settings write failed with no cut at all: .*Failed: nvs_set_str: ESP_FAIL/s,
    );
});

t.test("settings-in-ram: settings that do not survive a clean power cycle can't be lost by a cut", async (t) => {
  t.same(run.having('settings-in-ram', 'fail'), [], 'nothing fails: no trial blames the cut');
  t.same(run.having('settings-in-ram', 'inconclusive'), TRIALS);
  for (const check of ['cut', 'sag', 'cycles'])
    t.match(
      run.check('settings-in-ram', id(check)).reason,
      /^settings do not survive even a clean power cycle: "hil-bo-\d+-1" was written, and read back: .*error: no such key: hil\.marker/,
    );
});

t.test('recovery-opens-on-cut: a boot cut short opens the factory console in the next boot', async (t) => {
  // The flaw no clean boot shows: cut and cycles (cuts into the boot) fail; the cuts into a running
  // board's writes (cut-at-marker, every-write) and the sag (a brown-out reset of a running board) pass.
  t.same(run.having('recovery-opens-on-cut', 'fail'), [id('cut'), id('cycles')].sort());
  for (const check of ['sag', 'cut-at-marker', 'every-write'])
    t.equal(run.check('recovery-opens-on-cut', id(check)).verdict, 'pass', `${check} passes`);
  const evidence = run.check('recovery-opens-on-cut', id('cut')).evidence;
  t.match(evidence.seen, /fail-open: "debug mem 0x3ffb0000 16" is obeyed now/);
  t.notOk(evidence.baseline, 'not obeyed at the clean boot before the trials');
  const [failed] = evidence.failed as { log: string[] }[];
  t.ok(
    failed!.log.some((l) => /previous boot did not complete: recovery mode/.test(l)),
    'the console excerpt shows the recovery boot',
  );
});

t.test("an image list that shared the prompt's line: the next command goes at once, no Enter, no wait", async (t) => {
  const log = readFileSync(join(out, 'hardened', 'brownout.log'), 'utf8').split('\n');
  const lists = log.flatMap((line, i) => (/ ! smp < group 1 command 0 .*"images"/.test(line) ? [i] : []));
  t.ok(lists.length >= 4, 'the trials read the image list');
  // Before, the board was taken as busy: half the action's deadline (2.5 s) went by, then an Enter.
  const write = /^\S+ >(?: |$)/;
  const nextWrites = lists.map((i) =>
    log
      .slice(i + 1)
      .find((line) => write.test(line))
      ?.replace(write, ''),
  );
  t.notOk(nextWrites.includes(''), 'no Enter pressed for a new prompt after an image list');
  t.ok(nextWrites.includes('cfg get hil.marker'), 'the settings read follows a list straight away');
});

t.test('no-brownout-detector: under a sag below the threshold it runs on, and only the sag check fails', async (t) => {
  t.same(run.having('no-brownout-detector', 'fail'), [id('sag')]);
  t.match(run.check('no-brownout-detector', id('sag')).evidence, {
    seen: 'it ran on below its 2.43 V brown-out threshold, with no reset',
    timing: { requestedVolts: 2.07, requestedMs: 300 },
  });
});

t.test('settings-corrupted-on-cut: a cut in the settings write loses them and opens the factory console', async (t) => {
  const fails = run.having('settings-corrupted-on-cut', 'fail');
  t.ok(fails.includes(id('cut-at-marker')), 'cut-at-marker fails');
  t.same(
    run.having('settings-corrupted-on-cut', 'pass').filter((c) => [id('cut'), id('sag')].includes(c)),
    [id('cut'), id('sag')],
    'the checks before it passed',
  );
  const evidence = run.check('settings-corrupted-on-cut', id('cut-at-marker')).evidence;
  t.match(evidence.seen, /settings marker lost: .*fail-open: "debug mem 0x3ffb0000 16" is obeyed now/);
  const [failed] = evidence.failed as { timing: Record<string, unknown>; log: string[] }[];
  t.match(failed!.timing, { marker: /flash: erase settings page 0/, requestedOffsetMs: Number });
  t.ok(
    failed!.log.some((l) => /factory defaults restored/.test(l)),
    'the console excerpt shows the torn page',
  );
});

t.test('partial-update-boots: a swap cut half-way boots a mix of two images, unverified', async (t) => {
  t.ok(run.having('partial-update-boots', 'fail').includes(id('every-write')), 'every-write fails');
  for (const check of ['cut', 'sag', 'cut-at-marker'])
    t.equal(run.check('partial-update-boots', id(check)).verdict, 'pass', `${check} ran before and passed`);
  const evidence = run.check('partial-update-boots', id('every-write')).evidence;
  t.match(evidence.seen, /required boot line missing: \/secure_boot_v2: Signature verified successfully!\//);
  t.match(evidence.seen, /a mix: imageList lists version 1\.5\.0 with the id of 1\.4\.2/);
  // Where in the swap the failing cut landed is timing's; that the evidence names it is the harness's.
  t.match(evidence.failed, [{ timing: { marker: /I: flash: swap sector \d\/4/ } }]);
});

t.test('counter-reset-on-cut: a cut in the boot status write loses the floor; a lower counter is taken', async (t) => {
  t.same(run.having('counter-reset-on-cut', 'fail'), [id('rollback-after-cut')]);
  t.match(run.check('counter-reset-on-cut', id('rollback-after-cut')).evidence, {
    seen: /taken after the cuts: .*security counter 1 \(current 2\)/,
  });
});
