/** The `hil` command: run | replay | flash | report | verify | diff | ports | doctor | list | rig-host | schemas. */
import { ConfigError, UsageError } from '../util/errors.ts';
import { EXIT } from '../runner/run.ts';
import { diffCommand, reportCommand, verifyCommand } from './folder-commands.ts';
import { doctorCommand, listCommand, portsCommand, schemasCommand, rigHostCommand } from './rig-commands.ts';
import { flashCommand } from './flash-command.ts';
import { replayCommand, runCommand } from './run-commands.ts';

const COMMANDS: Record<string, string> = {
  run: `  hil run --rig FILE [--board NAME]... [--suite NAME]... [--out DIR] [--seed N] [--suite-deadline SECONDS]
          [--fuzz-cases N] [--fuzz-seconds N] [--fuzz-minimize N] [--wait SECONDS]
          [--firmware [BOARD=]FILE]... [--any-firmware] [--check SUITE/CHECK]... [--sign KEY]
      run suites against a rig's boards; exit 0 all passed, 1 a check failed, 2 something could not be
      tested or the run could not be done. --firmware deploys a build first (as hil flash does), to
      one board (BOARD=FILE) or all; a board that then boots another version is not tested (exit 2)
      unless --any-firmware. --check runs one check (its suite, the others skipped). --sign signs the
      run's MANIFEST.sha256 with the lab's private key (else the rig's lab.signing-key); the
      declarations.yaml beside the rig gives the manufacturer's answers per provision
`,
  replay: `  hil replay FILE [--rig FILE] [--board NAME] [--out DIR]
      run a fuzz reproducer again on a restarted board (its rig and board unless given); exit 1 when it
      reproduces, or when a different failure comes (said so); 0 when nothing failed and the board
      answered afterwards; 2 when it cannot run (a board that cannot be brought up or asked)
`,
  flash: `  hil flash --rig FILE --board NAME [--path update|esp-rom|stm32-loader|openocd|qemu-image] [--offset N] [--log DIR] FILE
      put a build on a board by the first path it offers (its update path, then its ROM loader),
      verified; exit 0 written, 1 written but not verified, 2 no path (each one's reason is said)
`,
  report: `  hil report DIR [--sign KEY] [--declarations FILE]
      rebuild junit.xml, report.html, report.pdf, evidence.json and MANIFEST.sha256 of a run folder
      from its TAP and summary (an interrupted run's too), with the declarations beside its rig (or
      FILE, or the copy in the folder), signed with KEY or the rig's lab.signing-key
`,
  verify: `  hil verify DIR [--key PUB]     check a run folder against its MANIFEST.sha256, and with --key the
      manifest's signature (MANIFEST.sha256.sig) by that public key; exit 1 if anything changed or the
      signature does not hold, 2 if the manifest cannot be read (a bad line is named by its number)
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
  'rig-host': `  hil rig-host --rig FILE [--state DIR] [--watch-stdin]
      run the rig host of a rig in the foreground: its virtual and QEMU boards (hil run starts
      one by itself); its endpoints go to
      DIR/endpoints.json, which HIL_ENDPOINTS gives to a suite run on its own
`,
  schemas: `  hil schemas --out DIR          write the JSON Schemas of rig and profile files, for editors
`,
};
const USAGE = `usage:\n${Object.values(COMMANDS).join('')}`;
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
      case 'flash':
        return await flashCommand(rest);
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
        // The rig host's name before issue 28: still taken, with a word.
        process.stderr.write('hil: warning: "hil virtual" is now "hil rig-host"\n');
        return await rigHostCommand(rest);
      case 'rig-host':
        return await rigHostCommand(rest);
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
