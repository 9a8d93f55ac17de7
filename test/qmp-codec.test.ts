// Examples from QEMU's docs/interop/qmp-spec.rst.
import t from 'tap';
import { armProgramCounter, decodeMessage, encodeCommand } from '../harness/wire/qmp.ts';

t.test('greeting', async (t) => {
  const greeting =
    '{ "QMP": { "version": { "qemu": { "micro": 0, "minor": 0, "major": 3 }, "package": "v3.0.0" }, "capabilities": [ "oob" ] } }';
  t.same(decodeMessage(greeting), { kind: 'greeting', version: '3.0.0', capabilities: ['oob'] });
});

t.test('commands, returns, errors, events', async (t) => {
  t.equal(encodeCommand('qmp_capabilities'), '{"execute":"qmp_capabilities"}\r\n');
  t.equal(
    encodeCommand('human-monitor-command', { 'command-line': 'info registers' }),
    '{"execute":"human-monitor-command","arguments":{"command-line":"info registers"}}\r\n',
  );
  t.same(decodeMessage('{ "return": {}}'), { kind: 'return', value: {}, id: undefined });
  t.same(decodeMessage('{"return": {"status": "running", "singlestep": false, "running": true}}').kind, 'return');
  t.same(decodeMessage('{ "error": { "class": "GenericError", "desc": "Parameter \'id\' expects an identifier" } }'), {
    kind: 'error',
    errorClass: 'GenericError',
    description: "Parameter 'id' expects an identifier",
    id: undefined,
  });
  t.same(decodeMessage('{ "event": "POWERDOWN", "timestamp": { "seconds": 1258551470, "microseconds": 802384 } }'), {
    kind: 'event',
    event: 'POWERDOWN',
    data: undefined,
    timestamp: { seconds: 1258551470, microseconds: 802384 },
  });
  t.throws(() => decodeMessage('not json'), /QMP: not JSON/);
  t.throws(() => decodeMessage('{"what": 1}'), /unknown message/);
});

t.test('the Arm program counter from info registers', async (t) => {
  const dump =
    'R00=00000000 R01=20000f5c R02=00000000 R03=00000001\r\nR12=00000000 R13=20003fe0 R14=fffffff9 R15=000186b4\r\nXPSR=61000003 -ZC- T handler\r\n';
  t.equal(armProgramCounter(dump), 0x186b4);
  t.equal(armProgramCounter('no registers here'), undefined);
});
