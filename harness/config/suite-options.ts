/**
 * The options of single suites in rig and profile files: the rollback suite's update path and
 * images, the fuzz suite's budget, network targets and knowledge of the firmware's console, and what
 * the brownout suite aims at and how hard (the default-credentials suite's: credentials-options.ts).
 */
import { type Static, Type } from './typebox.ts';
import { Duration, HostPort, Regex, Strict, Voltage } from './atoms.ts';
import { withDefault } from './resolve.ts';

const FuzzCases = Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'cases per target at most' });
const FuzzSeconds = Type.Integer({ minimum: 1, maximum: 86_400, description: 'seconds per target at most' });
const FuzzMinimize = Type.Integer({
  minimum: 0,
  maximum: 1000,
  description:
    'replays at most (each a board restart) spent shrinking each failure to its smallest reproducer; 0 keeps it as found',
});

const ImageFile = (description: string) =>
  Type.String({ minLength: 1, description: `${description}: a file beside the rig file, or "auto" on a virtual rig` });

/** The team's own images for the rollback suite; the harness derives the bad ones from them. */
export const Rollback = Type.Object(
  {
    path: Type.Union([Type.Literal('smp'), Type.Literal('esp-ota')], {
      description:
        "the update path the product uses: mcumgr SMP on the console (MCUboot), or ESP-IDF HTTPS OTA (the profile's ota action, served with the board's tls trust)",
    }),
    current: ImageFile('the signed image the board runs now'),
    older: Type.Optional(ImageFile('a signed image of a lower version')),
    newer: Type.Optional(ImageFile('a signed image of a higher version (the positive control)')),
    key: Type.Optional(
      ImageFile('the PEM private key the images are signed with (for the higher-version, lower-counter image)'),
    ),
    'allow-upgrade': Type.Optional(
      withDefault(
        Type.Boolean({
          description:
            'install and confirm the newer image as the positive control; on hardware this raises the anti-rollback counter for good',
        }),
        false,
      ),
    ),
    chunk: Type.Optional(
      withDefault(
        Type.Integer({
          minimum: 32,
          maximum: 2048,
          description:
            "image bytes per SMP upload packet at most (default 256; fewer where the device's MCUmgr parameters say its buffer holds less)",
        }),
        256,
      ),
    ),
    'slot-size': Type.Optional(
      Type.Integer({
        minimum: 4096,
        maximum: 256 * 1024 * 1024,
        description:
          "bytes of the secondary slot (e.g. 0x60000): the first upload chunk erases it, and its answer may take 5 s + 32 ms a KiB of it (default: a 1 MiB slot's)",
      }),
    ),
  },
  { ...Strict, description: 'images and update path for the rollback suite' },
);
export type RollbackConfig = Static<typeof Rollback>;

/** What any coverage source takes besides its build. */
const CoverageOptions = {
  guide: Type.Optional(
    Type.Boolean({
      description: 'false: record the coverage a black-box campaign reaches, without guiding it (to compare the two)',
    }),
  ),
  breakpoints: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 64,
      description:
        "the probe's hardware breakpoints (Cortex-M3/M4: 6, M0: 4), rotated over the blocks; none: as many as the debug port takes, at most 1024 at a time (QEMU)",
    }),
  ),
};

/** The fuzz suite on one board of a rig: budget and network targets. */
export const RigFuzz = Type.Object(
  {
    cases: Type.Optional(FuzzCases),
    seconds: Type.Optional(FuzzSeconds),
    minimize: Type.Optional(FuzzMinimize),
    tcp: Type.Optional(HostPort('a TCP service of the board to fuzz')),
    udp: Type.Optional(HostPort('a UDP port of the board to fuzz')),
    samples: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096 }), {
        maxItems: 64,
        description: 'messages the network service takes (latin1 text), for the mutators to start from',
      }),
    ),
    coverage: Type.Optional(
      Type.Object(
        {
          elf: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 1000,
              description:
                "the running build's ELF, with symbols, relative to the rig file: its basic blocks, named function+offset",
            }),
          ),
          image: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 1000,
              description:
                'or the running build as an image with no symbols, relative to the rig file: Intel HEX, or raw bytes with their address (blocks named by address)',
            }),
          ),
          address: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 0xffffffff,
              description: 'where a raw image is loaded (e.g. 0x08000000); Intel HEX carries its own',
            }),
          ),
          ...CoverageOptions,
        },
        {
          ...Strict,
          description:
            "coverage-guided console fuzzing through the board's debug port (debug.gdb or qemu.gdbstub): a breakpoint per basic block of one build, elf or image",
        },
      ),
    ),
  },
  { ...Strict, description: 'the fuzz suite on this board: budget, network targets and coverage' },
);

/** How the fuzz suite talks to a firmware, in its profile. */
export const ProfileFuzz = Type.Object(
  {
    commands: Type.Optional(
      withDefault(
        Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
          maxItems: 64,
          description:
            'command shapes as help prints them ("cfg set <key> <value>"), besides those harvested from help',
        }),
        [],
      ),
    ),
    samples: Type.Optional(
      withDefault(
        Type.Array(Type.String({ maxLength: 1024 }), {
          maxItems: 64,
          description: 'console lines to mutate besides the grammar (a REPL: "print(1)", "import os")',
        }),
        [],
      ),
    ),
    reserved: Type.Optional(
      withDefault(
        Type.String({
          maxLength: 32,
          description:
            'bytes this console gives a meaning of its own (MicroPython: Ctrl-A raw REPL, Ctrl-D soft reset, Ctrl-E paste mode): cases carry spaces instead',
        }),
        '',
      ),
    ),
    recover: Type.Optional(
      withDefault(
        Type.String({
          minLength: 1,
          maxLength: 16,
          description: 'what brings the console back to its prompt after a line it did not finish (default Ctrl-C)',
        }),
        '\x03',
      ),
    ),
    handled: Type.Optional(
      withDefault(
        Type.Array(Regex, {
          maxItems: 32,
          description:
            "crash signatures that are, on this console, the firmware's own answer to bad input (a REPL's Traceback): not findings when fuzzing",
        }),
        [],
      ),
    ),
    exclude: Type.Optional(
      withDefault(
        Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
          maxItems: 64,
          description:
            'commands never to send, besides reboot, reset, ota, erase and the like (which are left out anyway)',
        }),
        [],
      ),
    ),
    dictionary: Type.Optional(
      withDefault(
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          maxItems: 256,
          description: 'tokens the mutators insert, besides the built-in ones',
        }),
        [],
      ),
    ),
    'case-deadline': Type.Optional({ ...Duration, description: 'how long one case may take to come back' }),
    cases: Type.Optional(FuzzCases),
    seconds: Type.Optional(FuzzSeconds),
    minimize: Type.Optional(FuzzMinimize),
  },
  { ...Strict, description: 'how the fuzz suite talks to this firmware' },
);

/** A config-write's answer that says it failed, where the profile names no pattern of its own. */
const WRITE_FAILED = '\\b(?:[Ff]ail(?:ed|ure)?|FAIL(?:ED|URE)?|[Ee]rror|ERROR)\\b';

/** What the brownout suite knows of a firmware, in its profile. */
export const ProfileBrownout = Type.Object(
  {
    'write-marker': Type.Optional({
      ...Regex,
      description:
        'a console line the firmware prints as it starts a flash write or erase (an update chunk, an NVS commit): where cuts are aimed',
    }),
    threshold: Type.Optional({
      ...Voltage,
      description: "the brown-out detector's level: a sag below it must end in a brown-out reset",
    }),
    detector: Type.Optional({
      ...Regex,
      description: 'the line the brown-out detector prints (ESP-IDF: "Brownout detector was triggered")',
    }),
    'write-failed': Type.Optional(
      withDefault(
        Type.Array(Regex, {
          minItems: 1,
          maxItems: 16,
          description:
            'lines in the config-write action\'s answer that mean the write failed (a non-zero status, say); default: a word "fail", "failed", "failure" or "error" in any of the usual capitalisations',
        }),
        [WRITE_FAILED],
      ),
    ),
  },
  { ...Strict, description: 'what the brownout suite aims at on this firmware' },
);

/** The brownout suite's glitches on one board of a rig. */
export const RigBrownout = Type.Object(
  {
    trials: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'cuts per swept profile (cut, cut-at-marker; default 4)',
      }),
    ),
    cut: Type.Optional({ ...Duration, description: 'how long a cut keeps the board unpowered (default 50ms)' }),
    cycles: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: 'quick power cycles (default 10)' }),
    ),
    'cycle-off': Type.Optional({ ...Duration, description: 'off time of each quick cycle (default 20ms)' }),
    sag: Type.Optional(
      Type.Object(
        {
          volts: Voltage,
          time: Duration,
        },
        { ...Strict, description: 'a sag: to this voltage for this long (supplies only)' },
      ),
    ),
  },
  { ...Strict, description: 'the brownout suite on this board: how hard and how often' },
);
