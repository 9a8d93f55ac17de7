// Network consoles through Debian's ser2net serving a PTY, as a lab's console server serves a
// board's USB-UART: raw TCP and telnet(rfc2217) lose no byte across a replug; RFC 2217 sets the
// line at the server; a server that cannot open the port is a refusal, not board output. The
// codecs against the bytes ser2net 4.3 sends and RFC 2217's tables.
import t from 'tap';
import './helpers/children.ts';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkTransport } from '../harness/console/network-transport.ts';
import { answerValue, CONTROL, lineSettings, serverAnswer, setBaudRate, setControl } from '../harness/wire/rfc2217.ts';
import { escapeIac, TelnetDecoder } from '../harness/wire/telnet.ts';
import { loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import type { ConfigError } from '../harness/util/errors.ts';
import { consoleOver } from './helpers/console.ts';
import { ptyDevice } from './helpers/pty-device.ts';
import { startSer2net } from './helpers/ser2net.ts';
import { hilRun } from './helpers/run.ts';
import { startRigHost } from '../harness/runner/rig-host.ts';

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ''), 'hex');

t.test('RFC 2217 commands: IAC SB 44 <command> <value> IAC SE, values from the RFC tables', async (t) => {
  t.same(setBaudRate(115200), hex('ff fa 2c 01 00 01 c2 00 ff f0'), 'SET-BAUDRATE, four bytes in network order');
  t.same(setBaudRate(255), hex('ff fa 2c 01 00 00 00 ff ff ff f0'), 'a 0xFF in the value is doubled');
  t.same(setControl(CONTROL.dtrOn), hex('ff fa 2c 05 08 ff f0'), 'SET-CONTROL DTR on is 8');
  t.same(setControl(CONTROL.rtsOff), hex('ff fa 2c 05 0c ff f0'), 'RTS off is 12');
  t.same(
    lineSettings({ baud: 9600, dataBits: 8, parity: 'even', stopBits: 1 }),
    hex('fffa2c01 00002580 fff0 fffa2c0208fff0 fffa2c0303fff0 fffa2c0401fff0 fffa2c0501fff0'),
    '9600 8E1, no flow control',
  );
  t.same(escapeIac(hex('41 ff 42')), hex('41 ff ff 42'), 'data 0xFF doubled');
});

t.test('telnet negotiation as ser2net 4.3 answers it: agreed once, nothing answered twice', async (t) => {
  const telnet = new TelnetDecoder({ will: [0, 44], do: [0, 3] });
  t.same(telnet.offer(), hex('fffb00 fffb2c fffd00 fffd03'), 'WILL BINARY, WILL COM-PORT, DO BINARY, DO SGA');
  // What ser2net sent back to that offer (captured from ser2net 4.3.11), then its answer to SET-BAUDRATE 57600.
  const events = telnet.push(
    hex('fffb03 fffd03 fffb01 fffe01 fffd00 fffb00 fffd2c fffa2c6b00fff0 fffa2c650000e100fff0'),
  );
  t.same(events.reply, hex('fffc03 fffe01'), 'only what it asked that we refuse: WONT SGA, DONT ECHO');
  t.same(events.agreed.sort(), [0, 0, 3, 44].sort(), 'it agreed to BINARY both ways, SGA and COM-PORT-OPTION');
  const answers = events.subnegotiations.map(serverAnswer);
  t.same(answers[1] && answerValue(answers[1]), 57600, 'its 101 answer carries the baud rate it set');
  t.same(telnet.push(hex('fffd2c')).reply, Buffer.alloc(0), 'a repeated DO is not answered again');
  t.same(telnet.push(hex('41 ff ff 42 fffa2c')).data, hex('41 ff 42'), 'IAC IAC is one data byte');
  t.same(
    telnet.push(Buffer.concat([Buffer.alloc(1000, 0x41), hex('fff0 43')])).data,
    hex('43'),
    'an endless subnegotiation is dropped, not held',
  );
});

for (const protocol of ['raw', 'rfc2217'] as const) {
  t.test(`${protocol} through ser2net: the log goes on across a replug, nothing lost or doubled`, async (t) => {
    const dir = t.testdir();
    const device = await ptyDevice(dir);
    const server = await startSer2net(device.path, protocol, 9600);
    const transport = new NetworkTransport({
      host: '127.0.0.1',
      port: server.port,
      protocol,
      baud: 57600,
      description: `${protocol} console`,
    });
    const console = consoleOver(transport, dir);
    t.teardown(async () => {
      await console.close();
      await server.stop();
      await device.close();
    });
    await console.open();
    if (protocol === 'rfc2217') {
      const speed = execFileSync('stty', ['-F', device.path, 'speed'], { encoding: 'utf8' }).trim();
      t.equal(
        speed,
        '57600',
        'the baud rate asked for over RFC 2217 is what ser2net set on the port (its config said 9600)',
      );
      await t.rejects(
        console.setSignals({ dtr: true }),
        /answer to SET-CONTROL 8 within/,
        'a PTY has no DTR: ser2net gives no answer, and that is said',
      );
    } else {
      await t.rejects(transport.setSignals({ dtr: true }), /raw TCP console: it carries no DTR\/RTS/);
    }
    const lines = (from: number, to: number) => {
      for (let i = from; i <= to; i++) device.socket().write(Buffer.from(`seq ${i} \xff\r\n`, 'latin1'));
    };
    lines(1, 200);
    await console.expect(/^seq 200 /, { timeout: 5000, step: 'before the replug' });
    const gone = once(console, 'gone');
    const back = once(console, 'back');
    await device.unplug();
    t.match(String((await gone)[0]), /gone: the connection closed/);
    await device.replug();
    t.match(String((await back)[0]), /reconnected/, 'reconnected once the port was back');
    lines(201, 400);
    await console.expect(/^seq 400 /, { timeout: 5000, step: 'after the replug' });
    await console.send('to the board');
    const [toBoard] = (await once(device.socket(), 'data')) as [Buffer];
    t.equal(toBoard.toString(), 'to the board\r\n', 'what the harness writes reaches the board');
    await console.close();
    const log = readFileSync(join(dir, 'console.log'), 'utf8');
    const seqs = [...log.matchAll(/< seq (\d+) \\xff$/gm)].map((m) => Number(m[1]));
    t.same(
      seqs,
      Array.from({ length: 400 }, (_, i) => i + 1),
      'every line, with its 0xFF byte, once and in order',
    );
    t.notMatch(log, /Device open failure/, "ser2net's refusals while the port was away are not in the board's log");
  });
}

t.test('a console server that cannot open the port: a refusal naming what it said, not board output', async (t) => {
  const dir = t.testdir();
  const device = await ptyDevice(dir);
  const server = await startSer2net(device.path, 'raw');
  await device.close();
  t.teardown(() => server.stop());
  const transport = new NetworkTransport({
    host: '127.0.0.1',
    port: server.port,
    protocol: 'raw',
    baud: 115200,
    description: 'tcp://console',
    openDeadlineMs: 800,
  });
  let said = '';
  transport.on('data', (chunk) => (said += chunk.toString()));
  await t.rejects(
    transport.open(),
    /cannot open tcp:\/\/console: the server hung up at once, saying "Device open failure: /,
  );
  t.equal(said, '', 'nothing reached the console');
});

t.test('a rig names one place for the console; host:port is checked', async (t) => {
  const dir = t.testdir({
    'two.yaml': 'name: r\nboards:\n  b:\n    profile: virtual\n    console: { port: /dev/ttyUSB0, tcp: "lab:3001" }\n',
    'range.yaml': 'name: r\nboards:\n  b:\n    profile: virtual\n    console: { rfc2217: "lab:70000" }\n',
    'good.yaml': 'name: r\nboards:\n  b:\n    profile: virtual\n    console: { rfc2217: "[::1]:3002", baud: 921600 }\n',
  });
  const problems = (file: string) => {
    try {
      loadRig(join(dir, file), Rig);
      return '';
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
  };
  t.match(problems('two.yaml'), /console: expected one of "port", "usb", "tcp" or "rfc2217" .* found port and tcp/);
  t.match(problems('range.yaml'), /rfc2217: expected host:port with a port from 1 to 65535, found string "lab:70000"/);
  t.equal(problems('good.yaml'), '', 'an IPv6 console server loads');
});

t.test(
  'hil run through ser2net: boot-log on a virtual board whose console is served raw and as RFC 2217',
  async (t) => {
    const dir = t.testdir();
    const rig = (console: string) =>
      `name: lab\nvirtual: true\nboards:\n  board:\n    profile: virtual\n    console: ${console}\n    power: { driver: scpi-tcp, host: 127.0.0.1, port: auto }\n`;
    writeFileSync(join(dir, 'host.yaml'), rig('{ port: auto }'));
    // The rig host is the bench: the board's UART is a PTY on it, which ser2net serves to the lab.
    const host = await startRigHost(join(dir, 'host.yaml'));
    t.teardown(() => host.stop());
    for (const protocol of ['tcp', 'rfc2217'] as const) {
      const server = await startSer2net(host.endpoints.boards.board!.console!, protocol === 'tcp' ? 'raw' : 'rfc2217');
      writeFileSync(join(dir, `${protocol}.yaml`), rig(`{ ${protocol}: "127.0.0.1:${server.port}" }`));
      const run = hilRun(
        ['--rig', join(dir, `${protocol}.yaml`), '--suite', 'boot-log'],
        join(dir, `out-${protocol}`),
        {
          HIL_ENDPOINTS: host.endpointsFile,
        },
      );
      await server.stop();
      t.equal(run.status, 0, `${protocol}: every boot-log check passes`, { stderr: run.stderr.slice(-1500) });
      t.equal(run.result('board', 'boot-log').pass, 6);
      const log = readFileSync(join(dir, `out-${protocol}`, 'board', 'boot-log.log'), 'utf8');
      t.match(
        log,
        new RegExp(`opened ${protocol}://127\\.0\\.0\\.1:${server.port}`),
        'the log names the console server',
      );
      t.match(log, /< .*App version/, "and holds the board's boot through it");
    }
  },
);
