// The power drivers against the virtual rig's instruments (a separate process, reached over
// loopback TCP, PTYs made by socat speaking SCPI, Korad's protocol and Modbus RTU, and HTTP), and the virtual board's supply model behind them.
import t from 'tap';
import './helpers/children.ts';
import { isSupply, type Supply } from '../harness/power/driver.ts';
import { TasmotaRelay } from '../harness/power/drivers/tasmota.ts';
import { testRig } from './helpers/virtual-rig.ts';

const rig = await testRig('test/fixtures/rigs/power.yaml');
t.teardown(() => rig.stop());

for (const name of ['on-scpi-tcp', 'on-scpi-serial', 'on-korad', 'on-riden', 'on-tasmota']) {
  t.test(`${name}: a power cycle gives a power-on reset and a full boot`, async (t) => {
    const board = await rig.open(name, t.testdir({}));
    t.teardown(() => board.close());
    const boot = await board.powerCycle();
    t.ok(boot.ready, 'reached the ready line');
    t.equal(boot.resetKind, 'power-on', `reset reason 0x${boot.resetCode?.toString(16)}`);
    t.equal(boot.version, '1.4.2');
  });
}

for (const name of ['on-scpi-tcp', 'on-scpi-serial', 'on-korad', 'on-riden']) {
  t.test(`${name}: voltage set and measured; brown-out and power-off behave as on hardware`, async (t) => {
    const board = await rig.open(name, t.testdir({}));
    t.teardown(() => board.close());
    t.ok(board.power && isSupply(board.power), 'the driver is a supply');
    const supply = board.power as Supply;
    await board.powerCycle();
    t.equal(await supply.measureVoltage(), 3.3, 'measures the nominal voltage');

    // Between off (1.8 V) and the brown-out threshold (2.43 V): held in reset, then a brown-out boot.
    await supply.setVoltage(2.2);
    await board.console.expect(/Brownout detector was triggered/, { timeout: 2000, step: 'sag to 2.2 V' });
    const from = { mark: board.console.mark(), started: Date.now() };
    await supply.setVoltage(3.3);
    const afterSag = await board.recordBoot('recover from sag', from);
    t.equal(afterSag.resetKind, 'brown-out', `rst:0x${afterSag.resetCode?.toString(16)} after a sag`);

    // Below 1.8 V the board is off: its console is silent.
    await supply.setVoltage(1.0);
    await board.console.waitQuiet(200, 3000); // what was already on the wire when the power went
    board.console.mark();
    await t.resolves(board.console.expectNot(/./, { window: 500, step: 'silent while off' }), 'silent at 1.0 V');
    const fromOff = { mark: board.console.mark(), started: Date.now() };
    await supply.setVoltage(3.3);
    const afterOff = await board.recordBoot('recover from off', fromOff);
    t.equal(afterOff.resetKind, 'power-on', 'back from off is a power-on reset');
  });
}

t.test('a SCPI supply that refuses a setting is an error naming the command and the reply', async (t) => {
  const board = await rig.open('on-scpi-tcp', t.testdir({}));
  t.teardown(() => board.close());
  const supply = board.power as Supply;
  await t.rejects(supply.setVoltage(45), /refused "INST:NSEL 2;VOLT 45.000": -222,"Data out of range"/);
});

t.test(
  'a Riden supply names itself from its registers, and its exception replies are errors that name them',
  async (t) => {
    const board = await rig.open('on-riden', t.testdir({}));
    t.teardown(() => board.close());
    const supply = board.power as Supply;
    t.equal(await supply.identify(), 'Riden RD6006 (model 60062) SN 4242 firmware 1.28');
    await t.rejects(supply.setVoltage(61), /0106000817d4.* answered: exception 3 \(ILLEGAL DATA VALUE\)/);
  },
);

t.test('a Tasmota relay with the wrong password refuses, and the error says so without the password', async (t) => {
  const url = String(rig.process.endpoints.boards['on-tasmota']!.power!.url);
  const relay = new TasmotaRelay(url, 2, { user: 'admin', password: 'wrong-password' });
  const error = (await relay.on().catch((e: unknown) => e)) as Error;
  t.match(error.message, /answered HTTP 401/);
  t.notMatch(error.message, /wrong-password/);
  const right = new TasmotaRelay(url, 2, { user: 'admin', password: 'relay-secret-7' });
  await right.off();
  t.equal(await right.state(), false, 'the state query reads the relay back');
  await right.on();
  t.equal(await right.state(), true);
  await right.off();
  t.equal(await right.state(), false, 'and back off');
});
