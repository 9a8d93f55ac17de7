/** The `hil` command: run | replay | report | verify | diff | ports | doctor | list | virtual | schemas. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRig, needsRigHost } from '../config/load.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { existingFolder, makeFolder } from '../folders.ts';
import { loadReproducer } from '../fuzz/reproducer.ts';
import { diffRuns, formatDiff } from '../report/diff.ts';
import { portSnippet, serialPorts, usbDevices, usbSnippet } from '../console/ports.ts';
import { buildReports } from '../report/index.ts';
import { MANIFEST, ManifestError, verifyManifest } from '../report/manifest.ts';
import { consoleProgress } from '../runner/progress.ts';
import { doctor } from '../runner/doctor.ts';
import { EXIT, run } from '../runner/run.ts';
import { declarations, suiteFiles } from '../runner/suite-files.ts';
import { checkId } from '../suite.ts';
import { Rig, SCHEMAS, twinCatalog } from '../power/registry.ts';
import { runVirtualRig } from '../virtual/main.ts';

const COMMANDS: Record<string, string> = {
  run: `  hil run --rig FILE [--board NAME]... [--suite NAME]... [--out DIR] [--seed N] [--suite-deadline SECONDS]
          [--fuzz-cases N] [--fuzz-seconds N] [--wait SECONDS]
      run suites against a rig's boards; exit 0 all passed, 1 a check failed, 2 something could not be
      tested or the run could not be done
`,
  replay: `  hil replay FILE [--rig FILE] [--board NAME] [--out DIR]
      run a fuzz reproducer again on a restarted board (its rig and board unless given); exit 1 when it
      reproduces, or when a different failure comes (said so); 0 when nothing failed and the board
      answered afterwards; 2 when it cannot run (a board that cannot be brought up or asked)
`,
  report: `  hil report DIR                 rebuild junit.xml, report.html, report.pdf, evidence.json and
      MANIFEST.sha256 of a run folder from its TAP and summary (an interrupted run's too)
`,
  verify: `  hil verify DIR                 check a run folder against its MANIFEST.sha256; exit 1 if anything changed,
      2 if the manifest cannot be read (a line that is not a sha256sum line is named by its number)
`,
  diff: `  hil diff BEFORE AFTER          compare two run folders: new failures first, then fixed, then still
      failing; exit 1 when there is a new failure
`,
  ports: `  hil ports                      the serial ports and USB devices of this host, each with a rig snippet
`,
  doctor: `  hil doctor --rig FILE [--board NAME]...
      is the rig ready: profiles load, boards free, consoles open, instruments, probes and straps
      answer, and each board's identity line matches the rig's; exit 0 ready, 1 a problem, 2 the rig
      cannot be checked
`,
  list: `  hil list [--rig FILE]          the suites with their check ids, and the boards of a rig
`,
  virtual: `  hil virtual --rig FILE [--state DIR] [--watch-stdin]
      run a virtual rig in the foreground (hil run starts it by itself); its endpoints go to
      DIR/endpoints.json, which HIL_ENDPOINTS gives to a suite run on its own
`,
  schemas: `  hil schemas --out DIR          write the JSON Schemas of rig and profile files, for editors
`,
};
const USAGE = `usage:\n${Object.values(COMMANDS).join('')}`;
/** The longest suite deadline: a day (a timer cannot hold much more than 24 days anyway). */
const MAX_SUITE_DEADLINE_S = 86_400;
/** A fuzz budget's bounds: a billion cases, a week. */
const MAX_FUZZ_CASES = 1_000_000_000;
const MAX_FUZZ_SECONDS = 7 * 86_400;

const argError = (message: string) => new UsageError(message);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && COMMANDS[command] && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`usage:\n${COMMANDS[command]}`);
    return EXIT.passed;
  }
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'list':
        return await listCommand(rest);
      case 'report':
        return await reportCommand(rest);
      case 'verify':
        return await verifyCommand(rest);
      case 'diff':
        return await diffCommand(rest);
      case 'ports':
        return portsCommand();
      case 'doctor':
        return await doctorCommand(rest);
      case 'replay':
        return await replayCommand(rest);
      case 'virtual':
        return await virtualCommand(rest);
      case 'schemas':
        return schemasCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? EXIT.cannotRun : EXIT.passed;
      default:
        process.stderr.write(`hil: unknown command "${command}"\n${USAGE}`);
        return EXIT.cannotRun;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hil: invalid configuration:\n  ${error.problems.join('\n  ')}\n`);
    } else if (error instanceof UsageError) {
      process.stderr.write(`hil: ${error.message}\n`);
    } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      // Some of parseArgs's messages take three lines to say it.
      const said = (error as Error).message.split('\n').filter(Boolean).join(' ');
      process.stderr.write(`hil: ${said} (hil ${command} --help)\n`);
    } else {
      process.stderr.write(`hil: ${(error as Error).stack ?? String(error)}\n`);
    }
    return EXIT.cannotRun;
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rig: { type: 'string' },
      board: { type: 'string', multiple: true },
      suite: { type: 'string', multiple: true },
      out: { type: 'string' },
      seed: { type: 'string' },
      'suite-deadline': { type: 'string' },
      wait: { type: 'string' },
      'fuzz-cases': { type: 'string' },
      'fuzz-seconds': { type: 'string' },
    },
  });
  if (!values.rig) throw argError('hil run needs --rig FILE');
  // The fuzz suite's budget reaches its processes through their environment, as the seed does.
  for (const [option, name, max] of [
    ['fuzz-cases', 'HIL_FUZZ_CASES', MAX_FUZZ_CASES],
    ['fuzz-seconds', 'HIL_FUZZ_SECONDS', MAX_FUZZ_SECONDS],
  ] as const) {
    const given = values[option];
    if (given !== undefined) process.env[name] = String(wholeNumber(`--${option}`, given, 1, max));
  }
  const seed = values.seed === undefined ? undefined : wholeNumber('--seed', values.seed, 0, 2 ** 32 - 1);
  const deadline = secondsOption('--suite-deadline', values['suite-deadline']);
  const wait = secondsOption('--wait', values.wait);
  return run({
    rig: values.rig,
    boards: values.board,
    suites: values.suite,
    out: values.out,
    seed,
    suiteDeadlineMs: deadline,
    ...(wait !== undefined ? { waitMs: wait } : {}),
    progress: consoleProgress(),
  });
}

/** A whole number given on the command line, from `min` to `max`. */
function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  // Digits only: Number() would read '' and ' ' as 0, and '0x10' or '1e3' as other numbers.
  if (!(/^[0-9]+$/.test(value) && n >= min && n <= max))
    throw argError(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

/** A number of seconds given on the command line, in milliseconds; undefined when not given. */
function secondsOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(value.trim() !== '' && seconds > 0 && seconds <= MAX_SUITE_DEADLINE_S))
    throw argError(
      `${name} must be a number of seconds above 0, at most ${MAX_SUITE_DEADLINE_S}, not ${JSON.stringify(value)}`,
    );
  return seconds * 1000;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { rig: { type: 'string' }, board: { type: 'string' }, out: { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw argError('hil replay needs one reproducer FILE');
  let recorded: { rig: string; board: string };
  try {
    recorded = loadReproducer(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hil: invalid reproducer:\n  ${error.problems.join('\n  ')}\n`);
      return EXIT.cannotRun;
    }
    throw argError(notAReproducer(file, error as NodeJS.ErrnoException));
  }
  process.env.HIL_FUZZ_REPLAY = resolve(file);
  return run({
    rig: values.rig ?? recorded.rig,
    boards: [values.board ?? recorded.board],
    suites: ['fuzz'],
    out: values.out,
    progress: consoleProgress(),
  });
}

/** Why `file` cannot be replayed, in one line that names it (JSON.parse's own message names nothing). */
function notAReproducer(file: string, error: NodeJS.ErrnoException): string {
  // JSON.parse quotes the file's text, newlines and all: none of it reaches the terminal unescaped.
  const why = error.message.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (error instanceof SyntaxError) return `${file} is not a reproducer: it is not JSON (${why})`;
  if (why.includes(file)) return why;
  return error.code ? `cannot read ${file}: ${why}` : `${file} is not a reproducer: ${why}`;
}

async function reportCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw argError('hil report takes one run folder');
  const dir = existingFolder(resolve(positionals[0]!), 'run folder');
  const built = await buildReports(dir);
  for (const note of built.notes) process.stderr.write(`${note}\n`);
  process.stdout.write(`${built.files.join('\n')}\n`);
  return EXIT.passed;
}

async function diffCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 2) throw argError('hil diff takes two run folders: BEFORE AFTER');
  for (const dir of positionals) existingFolder(dir, 'run folder');
  const diff = await diffRuns(resolve(positionals[0]!), resolve(positionals[1]!));
  process.stdout.write(formatDiff(diff));
  return diff.newFailures.length > 0 ? EXIT.failed : EXIT.passed;
}

async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rig: { type: 'string' }, board: { type: 'string', multiple: true } },
  });
  if (!values.rig) throw argError('hil doctor needs --rig FILE');
  return doctor(values.rig, values.board ?? [], (text) => process.stdout.write(`${text}\n`));
}

function portsCommand(): number {
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

async function verifyCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw argError('hil verify takes one run folder');
  const dir = existingFolder(resolve(positionals[0]!), 'run folder');
  if (!existsSync(join(dir, MANIFEST))) throw argError(`${dir} has no ${MANIFEST} (hil report DIR writes one)`);
  // A manifest that cannot be read is nothing checked (exit 2), not something changed (exit 1).
  const result = await verifyManifest(dir).catch((error: unknown) => {
    throw error instanceof ManifestError ? argError(`cannot check ${dir}: ${error.message}`) : error;
  });
  const lines = [
    ...result.changed.map((f) => `changed: ${f}`),
    ...result.missing.map((f) => `missing: ${f}`),
    ...result.added.map((f) => `not in the manifest: ${f}`),
    ...result.notFiles.map((f) => `not a regular file: ${f}`),
  ];
  process.stdout.write(
    `${lines.join('\n')}${lines.length ? '\n' : ''}${result.ok ? 'OK' : 'FAILED'}: ${result.checked} files in the manifest\n`,
  );
  return result.ok ? EXIT.passed : EXIT.failed;
}

async function listCommand(args: string[]): Promise<number> {
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
    process.stdout.write(`boards of ${rig.config.name}:\n`);
    for (const [name, board] of Object.entries(rig.config.boards)) {
      process.stdout.write(
        `  ${name} (profile ${board.profile}${board.flaws?.length ? `, flaws: ${board.flaws.join(', ')}` : ''})\n`,
      );
    }
  }
  return EXIT.passed;
}

async function virtualCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rig: { type: 'string' }, state: { type: 'string' }, 'watch-stdin': { type: 'boolean' } },
  });
  if (!values.rig) throw argError('hil virtual needs --rig FILE');
  const rig = loadRig(values.rig, Rig);
  if (!needsRigHost(rig.config)) throw argError(`${rig.file} has no virtual or QEMU boards for a rig host to run`);
  await runVirtualRig({
    rig,
    state: values.state,
    watchStdin: values['watch-stdin'] === true,
    twins: twinCatalog,
  });
  return new Promise(() => undefined); // runs until a signal or the end of standard input
}

function schemasCommand(args: string[]): number {
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
