// A power driver is one file: one in a folder of the test's own (HIL_DRIVER_PATH) is picked up by
// the rig schema, opened by the harness, pinged by the pre-flight, put in the safe state, and
// served by the virtual rig through its twin; a whole boot-log run goes through it.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hilRun } from './helpers/run.ts';

const DRIVERS = { HIL_DRIVER_PATH: 'test/fixtures/drivers' };

t.test('a relay driver from one file powers a virtual board through its twin', async (t) => {
  const dir = t.testdir({});
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: own-driver',
      'virtual: true',
      'boards:',
      '  board:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    power: { driver: line-relay, host: 127.0.0.1, port: auto, off-time: 100ms }',
      '    boot-strap: { driver: line-relay, host: 127.0.0.1, port: auto }',
      '',
    ].join('\n'),
  );
  const run = hilRun(['--rig', join(dir, 'rig.yaml'), '--suite', 'boot-log'], join(dir, 'out'), DRIVERS);
  t.equal(run.status, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
  t.equal(run.result('board').pass, 6, 'every boot-log check passed, powered through the new driver');
  t.notMatch(run.stderr, /could not put board in the safe state/, 'its relay went to the safe state');

  const without = spawnSync(process.execPath, ['bin/hil.js', 'list', '--rig', join(dir, 'rig.yaml')], {
    encoding: 'utf8',
  });
  t.equal(without.status, 2, 'without the driver folder the rig is invalid');
  t.match(without.stderr, /boards\.board\.power: expected "driver" to be one of "korad", .*found string "line-relay"/);
});

t.test('its config is checked like any other driver: unknown keys and bad ports are errors', async (t) => {
  const dir = t.testdir({
    'rig.yaml': [
      'name: bad',
      'boards:',
      '  board:',
      '    profile: virtual',
      '    console: { port: /dev/ttyUSB0 }',
      '    power: { driver: line-relay, host: relay.lab, port: 70000, voltage: 3 }',
      '',
    ].join('\n'),
  });
  const list = spawnSync(process.execPath, ['bin/hil.js', 'list', '--rig', join(dir, 'rig.yaml')], {
    encoding: 'utf8',
    env: { ...process.env, ...DRIVERS },
  });
  t.equal(list.status, 2);
  t.match(list.stderr, /rig\.yaml:6:\d+: boards\.board\.power\.port: expected a TCP port number/);
  t.match(list.stderr, /boards\.board\.power: unknown key "voltage"|boards\.board\.power\.voltage/);
});
