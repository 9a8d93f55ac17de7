/**
 * The commands about rigs and this host: `hil ports`, `hil doctor`, `hil list` (suites, a rig's
 * boards), `hil rig-host` (the virtual and QEMU boards), `hil schemas` (the JSON Schemas of rig and profile files).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRig, needsRigHost } from '../config/load.ts';
import { printWarnings } from '../config/renamed.ts';
import { portSnippet, serialPorts, usbDevices, usbSnippet } from '../console/ports.ts';
import { UsageError } from '../util/errors.ts';
import { makeFolder } from '../util/folders.ts';
import { Rig, SCHEMAS, twinCatalog } from '../power/registry.ts';
import { doctor } from '../runner/doctor.ts';
import { EXIT } from '../runner/run.ts';
import { declarations, suiteFiles } from '../runner/suite-files.ts';
import { checkId } from '../suite.ts';
import { runRigHost } from '../virtual/main.ts';

export function portsCommand(): number {
  const ports = serialPorts();
  const lines = ports.length === 0 ? ['serial ports: none'] : ['serial ports:'];
  for (const port of ports) {
    const about = port.usb
      ? ` (${[port.usb.manufacturer, port.usb.name].filter(Boolean).join(' ') || 'USB'}, ${port.usb.vendor}:${port.usb.product}${port.usb.serial ? `, serial ${port.usb.serial}` : ''})`
      : '';
    lines.push(`  ${port.path}${about}`, `      ${portSnippet(port)}`);
  }
  const usb = usbDevices();
  if ('unavailable' in usb) lines.push(`USB devices: ${usb.unavailable}`);
  else {
    lines.push(usb.devices.length === 0 ? 'USB devices: none' : 'USB devices:');
    for (const d of usb.devices)
      lines.push(
        `  ${d.vendor}:${d.product} ${[d.manufacturer, d.name].filter(Boolean).join(' ')}`,
        `      ${usbSnippet(d)}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.passed;
}

export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rig: { type: 'string' }, board: { type: 'string', multiple: true } },
  });
  if (!values.rig) throw new UsageError('hil doctor needs --rig FILE');
  return doctor(values.rig, values.board ?? [], (text) => process.stdout.write(`${text}\n`));
}

export async function listCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { rig: { type: 'string' } } });
  process.stdout.write('suites and their checks:\n');
  for (const spec of await declarations([...suiteFiles().values()])) {
    process.stdout.write(`  ${spec.name} (needs ${spec.needs.join(', ')})\n`);
    for (const [id, check] of Object.entries(spec.checks)) {
      process.stdout.write(`    ${checkId(spec.name, id)}  ${check.title}  [${check.provisions.join(', ')}]\n`);
    }
  }
  if (values.rig) {
    const rig = loadRig(values.rig, Rig);
    printWarnings(rig.warnings);
    process.stdout.write(`boards of ${rig.config.name}:\n`);
    for (const [name, board] of Object.entries(rig.config.boards)) {
      process.stdout.write(
        `  ${name} (profile ${board.profile}${board.flaws?.length ? `, flaws: ${board.flaws.join(', ')}` : ''})\n`,
      );
    }
  }
  return EXIT.passed;
}

export async function rigHostCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rig: { type: 'string' }, state: { type: 'string' }, 'watch-stdin': { type: 'boolean' } },
  });
  if (!values.rig) throw new UsageError('hil rig-host needs --rig FILE');
  const rig = loadRig(values.rig, Rig);
  // With --watch-stdin, a runner or a suite started this host and has said them.
  if (!values['watch-stdin']) printWarnings(rig.warnings);
  if (!needsRigHost(rig.config))
    throw new UsageError(`${rig.file} has no virtual or QEMU boards for a rig host to run`);
  await runRigHost({
    rig,
    state: values.state,
    watchStdin: values['watch-stdin'] === true,
    twins: twinCatalog,
  });
  return new Promise(() => undefined); // runs until a signal or the end of standard input
}

export function schemasCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  const out = values.out ?? 'schemas';
  makeFolder(out, 'schemas folder');
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const file = join(out, `${name}.schema.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: `hil ${name} file`, ...schema }, null, 2)}\n`,
    );
    process.stdout.write(`${file}\n`);
  }
  return EXIT.passed;
}
