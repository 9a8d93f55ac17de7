// An action's wait for its answer (Board.ask): the prompt that answers it, and a boot under it (the
// board's banner, or a power switch of the harness's own) that ends it as interrupted by a reset,
// leaving the next boot's prompt for the boot's own follower. On a PTY, as a board's console.
import t from 'tap';
import { awaitAnswer } from '../harness/action-answer.ts';
import { loadProfile } from '../harness/config/load.ts';
import { openConsole } from './helpers/console.ts';

const profile = loadProfile('test/fixtures/boards/virtual-prompt-ready.yaml');
const wait = { step: 'action config-write', timeout: 5000 };
const BOOT = 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nready\r\nesp32> ';

t.test('the prompt after the answer ends the wait: the answer, not interrupted', async (t) => {
  const { device, console } = await openConsole(t);
  const mark = console.mark();
  const answer = awaitAnswer(console, profile, { text: 'cfg set k v', mark }, wait, new AbortController().signal);
  device.socket().write('cfg set k v\r\nOK\r\nesp32> ');
  t.match(await answer, { prompt: true, lines: ['cfg set k v', 'OK'] });
  t.notOk((await answer).interrupted);
});

t.test('a power switch of the harness ends the wait at once, and the next prompt is left', async (t) => {
  const { device, console } = await openConsole(t);
  const mark = console.mark();
  const switched = new AbortController();
  const started = Date.now();
  const answer = awaitAnswer(console, profile, { text: 'cfg set k v', mark }, wait, switched.signal);
  device.socket().write('cfg set k v\r\nnvs: flash: write settings page 1\r\n');
  await console.expect(/flash: write/, { timeout: 2000, step: 'the write began', since: mark });
  switched.abort('the harness switched the power off (cut)');
  const got = await answer;
  t.match(got, { prompt: false, interrupted: 'interrupted by a reset: the harness switched the power off (cut)' });
  t.ok(Date.now() - started < 4000, 'not at the deadline');
  // The next boot's prompt is its ready line here: it is still there for the boot to be followed.
  const boot = console.mark();
  device.socket().write(BOOT);
  const ready = await console.expect(profile.boot.ready, { timeout: 2000, step: 'ready', since: boot });
  t.equal(ready.line, 'esp32> ', "the boot's ready line (its prompt) is its own");
});

t.test("the board's banner under the wait ends it; a restart the command makes (acrossBoot) does not", async (t) => {
  const { device, console } = await openConsole(t);
  const none = new AbortController().signal;
  let mark = console.mark();
  const cut = awaitAnswer(console, profile, { text: 'cfg set k v', mark }, wait, none);
  device.socket().write(`cfg set k v\r\n${BOOT}`);
  t.match(await cut, { prompt: false, interrupted: /^interrupted by a reset: the board began a boot \("rst:0x1/ });

  // A boot already in before the wait began: the wait ends at once and leaves the boot's prompt.
  mark = console.mark();
  device.socket().write(`cfg set k v\r\n${BOOT}`);
  await console.expect(/^ready$/, { timeout: 2000, step: 'the boot came', since: mark });
  const late = await awaitAnswer(console, profile, { text: 'cfg set k v', mark }, wait, none);
  t.match(late, { prompt: false, interrupted: /the board began a boot/ });
  t.equal((await console.expect(profile.boot.ready, { timeout: 2000, step: 'ready' })).line, 'esp32> ');

  mark = console.mark();
  const ota = awaitAnswer(console, profile, { text: 'ota u', mark }, { ...wait, acrossBoot: true }, none);
  device.socket().write(`ota u\r\nRebooting...\r\n${BOOT}`);
  t.match(await ota, { prompt: true, lines: ['ota u', 'Rebooting...', /^rst:0x1/, 'ready'] });
  t.notOk((await ota).interrupted);
});

t.test('a banner-like line the command prints is its answer; a boot is that line and the boot after it', async (t) => {
  // As U-Boot's `version` repeats its banner: here the banner is the version line the boot prints.
  const probe = loadProfile('test/fixtures/boards/virtual-banner-probe.yaml');
  const { device, console } = await openConsole(t);
  const none = new AbortController().signal;
  let mark = console.mark();
  const version = awaitAnswer(console, probe, { text: 'version', mark }, wait, none);
  device.socket().write('version\r\nApp version: 1.0.0\r\nesp32> ');
  t.match(await version, { prompt: true, lines: ['version', 'App version: 1.0.0'] });
  t.notOk((await version).interrupted, 'not interrupted by a boot: no boot followed the line');

  // The same line, then the rest of a boot: interrupted, at the boot's next line.
  mark = console.mark();
  const cut = awaitAnswer(console, probe, { text: 'cfg set k v', mark }, wait, none);
  device
    .socket()
    .write('cfg set k v\r\nrst:0x1 (POWERON_RESET),boot:0x13\r\nI (31) app_init: App version:      1.0.0\r\n');
  await console.expect(/App version/, { timeout: 2000, step: 'the banner came', since: mark });
  device.socket().write('I (32) main_task: Calling app_main()\r\nready\r\nesp32> ');
  t.match(await cut, { prompt: false, interrupted: /the board began a boot \("I \(31\) app_init: App version/ });

  // The ROM's own banner echoed back (the plain profile, whose ready line is not the prompt): an answer.
  mark = console.mark();
  const plain = loadProfile('boards/virtual.yaml');
  const echo = awaitAnswer(console, plain, { text: 'echo rst:0x1', mark }, wait, none);
  device.socket().write('echo rst:0x1\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nesp32> ');
  t.match(await echo, { prompt: true, lines: ['echo rst:0x1', /^rst:0x1 /] });
  t.notOk((await echo).interrupted);
});
