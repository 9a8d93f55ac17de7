/**
 * Rig and board-profile schemas. They are JSON Schema (TypeBox builds them), so the same objects
 * validate files here (Ajv) and are exported for editors (`hil schemas`).
 * A value marked `secret: true` is redacted from every log and report.
 */
import { type Static, type TSchema, Type } from './typebox.ts';
import { driversOf } from '../power/registry.ts';
import { Baud, Duration, HostPort, Name, NAME_PATTERN, Regex, Secret, Strict, TcpPort, UsbIdentity } from './atoms.ts';
import {
  ProfileBrownout,
  ProfileCredentials,
  ProfileFuzz,
  RigBrownout,
  RigCredentials,
  RigFuzz,
  Rollback,
} from './suite-options.ts';

export type { RollbackConfig } from './suite-options.ts';

export const ConsoleWiring = Type.Object(
  {
    port: Type.Optional(Type.String({ minLength: 1, description: 'a TTY path, or "auto" on a virtual rig' })),
    usb: Type.Optional(UsbIdentity),
    tcp: Type.Optional(HostPort("a network console's raw TCP port (ser2net's tcp accepter)")),
    rfc2217: Type.Optional(
      HostPort(
        "a network console speaking RFC 2217 (ser2net's telnet(rfc2217) accepter): baud and DTR/RTS set remotely",
      ),
    ),
    baud: Type.Optional(Baud),
  },
  Strict,
);

/** A driver's config as the rig file gives it; its fields come from its own file (power/drivers/). */
export type DriverWiringConfig = { driver: string } & Record<string, unknown>;
const driverBranch = (d: { name: string; description: string; fields: Record<string, TSchema> }, extra = {}) =>
  Type.Object({ driver: Type.Literal(d.name), ...d.fields, ...extra }, { ...Strict, description: d.description });
/** oneOf + discriminator, so Ajv checks only the branch that `driver` names and its errors stay precise. */
const byDriver = (branches: TSchema[], description: string) =>
  Type.Unsafe<DriverWiringConfig>({
    type: 'object',
    oneOf: branches,
    discriminator: { propertyName: 'driver' },
    description,
  });

export const PowerWiring = byDriver(
  driversOf('relay', 'supply').map((d) => driverBranch(d, { 'off-time': Type.Optional(Duration) })),
  'how the board is powered: a relay in its supply line or a bench supply',
);

export const DebugWiring = Type.Object(
  {
    gdb: Type.Optional(
      Type.Object(
        { host: Type.String({ minLength: 1 }), port: TcpPort },
        {
          ...Strict,
          description:
            "a gdbserver for the board's SWD/JTAG port: OpenOCD (3333), J-Link GDB server, st-util, probe-rs",
        },
      ),
    ),
    openocd: Type.Optional(
      Type.Object(
        {
          binary: Type.Optional(Type.String({ minLength: 1 })),
          args: Type.Array(Type.String(), {
            description: 'OpenOCD arguments, one per item, e.g. [-f, interface/stlink.cfg, -f, target/stm32f4x.cfg]',
          }),
          'gdb-port': Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        },
        { ...Strict, description: 'an OpenOCD the harness starts itself to reach the debug port' },
      ),
    ),
  },
  { ...Strict, description: "how the harness reaches the board's debug port" },
);

/** What holds the boot strap (ESP32 GPIO0, STM32 BOOT0) so a reset lands in the ROM loader: any relay, or a strap driver. */
export const BootStrap = byDriver(
  driversOf('relay', 'strap').map((d) => driverBranch(d)),
  "how the harness puts the board's boot strap in the ROM-loader position",
);

export const QemuMachine = Type.Object(
  {
    binary: Type.Optional(Type.String({ minLength: 1, description: 'the QEMU program (default qemu-system-arm)' })),
    machine: Type.String({ minLength: 1, description: 'the -M machine, e.g. microbit' }),
    loader: Type.Optional(
      Type.String({ minLength: 1, description: 'a firmware file given to -device loader (hex, elf, bin)' }),
    ),
    kernel: Type.Optional(Type.String({ minLength: 1, description: 'a firmware file given to -kernel' })),
    bios: Type.Optional(Type.String({ minLength: 1, description: 'a firmware file given to -bios' })),
    args: Type.Optional(
      Type.Array(Type.String(), { description: 'further QEMU arguments, one per item (never a shell string)' }),
    ),
    gdbstub: Type.Optional(
      Type.Boolean({ description: "open QEMU's gdbstub on a loopback TCP port: the board's debug port" }),
    ),
    'off-time': Type.Optional(Duration),
  },
  {
    ...Strict,
    description: 'a board that is QEMU running a firmware image: its console is a PTY, its power the QEMU process',
  },
);

/** Flaws the virtual board can be built with; each one is caught by a named check. */
export const VIRTUAL_FLAWS = [
  'jtag-open',
  'secure-boot-off',
  'boot-panic',
  'boot-countdown',
  'crash-long-arg',
  'hang-on-token',
  'oob-after-set',
  'smp-length-reset',
  'no-version',
  'debug-command',
  'tls-no-verify',
  'tls-verify-ignored',
  'tls-no-hostname',
  'tls-no-pin',
  'tls-expiry-ignored',
  'tls-legacy-versions',
  'downgrade-accepted',
  'hash-not-checked',
  'unsigned-accepted',
  'any-key-accepted',
  'counter-ignored',
  'settings-corrupted-on-cut',
  'partial-update-boots',
  'counter-reset-on-cut',
  'no-brownout-detector',
  'default-password',
  'no-throttling',
  'shared-password',
] as const;
export type VirtualFlaw = (typeof VIRTUAL_FLAWS)[number];

export const BoardWiring = Type.Object(
  {
    profile: Name('the name of a file in boards/, without .yaml'),
    identity: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: "what the board's identity line names (its profile's identity.pattern): a MAC, a chip id",
      }),
    ),
    console: Type.Optional(ConsoleWiring),
    qemu: Type.Optional(QemuMachine),
    power: Type.Optional(PowerWiring),
    debug: Type.Optional(DebugWiring),
    'boot-strap': Type.Optional(BootStrap),
    usb: Type.Optional({
      ...UsbIdentity,
      description: "the board's own USB device (native USB), whose descriptors are inspected",
    }),
    tls: Type.Optional(
      Type.Object(
        {
          host: Type.String({ minLength: 1, description: 'the server name the firmware connects to' }),
          'ca-cert': Type.String({
            minLength: 1,
            description: 'PEM file of the test CA the firmware trusts, or "auto" on a virtual rig',
          }),
          'ca-key': Type.String({ minLength: 1, description: 'PEM file of that CA\'s private key, or "auto"' }),
          'pin-key': Type.Optional(
            Type.String({
              minLength: 1,
              description: 'PEM file of the server key whose SPKI the firmware pins, or "auto"',
            }),
          ),
        },
        { ...Strict, description: 'what the firmware trusts, for the tls-pinning suite' },
      ),
    ),
    rollback: Type.Optional(Rollback),
    fuzz: Type.Optional(RigFuzz),
    brownout: Type.Optional(RigBrownout),
    credentials: Type.Optional(RigCredentials),
    'boot-uart': Type.Optional(
      Type.Object(
        {
          port: Type.String({ minLength: 1, description: 'a TTY path, or "auto" on a virtual rig' }),
          baud: Type.Optional(Type.Integer({ minimum: 1200, maximum: 921600 })),
        },
        {
          ...Strict,
          description:
            'the UART the STM32 system bootloader listens on (USART1 on most parts), if it is not the console',
        },
      ),
    ),
    'login-password': Type.Optional(Secret('the console password the board was provisioned with')),
    flaws: Type.Optional(
      Type.Array(Type.Unsafe<VirtualFlaw>({ type: 'string', enum: [...VIRTUAL_FLAWS] }), {
        uniqueItems: true,
        description: 'virtual rigs only: flaws the simulated firmware is built with',
      }),
    ),
    version: Type.Optional(Type.String({ description: 'virtual rigs only: the firmware version it reports' })),
    'rdp-level': Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
        description: "virtual rigs only: the STM32 loader's readout protection level (default 1)",
      }),
    ),
    cut: Type.Optional(
      Type.Array(Type.Union([Type.Literal('boot-strap'), Type.Literal('boot-uart'), Type.Literal('debug')]), {
        uniqueItems: true,
        description:
          'virtual rigs only: wires left unconnected (the strap relay reaches no pin, the boot UART no chip, the probe no target), to see what the harness says when a path is dead',
      }),
    ),
    'download-mode': Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('secure'), Type.Literal('disabled')], {
        description: "virtual rigs only: the ROM loader's mode (default secure: Secure Download Mode)",
      }),
    ),
  },
  Strict,
);

export const Rig = Type.Object(
  {
    name: Name('the rig name: letters, digits, _ and -'),
    description: Type.Optional(Type.String()),
    virtual: Type.Optional(Type.Boolean({ description: 'start the virtual rig process for this file' })),
    'safe-state': Type.Optional(
      Type.Union([Type.Literal('off'), Type.Literal('nominal')], {
        description: 'what supplies go to when a run is interrupted (default off)',
      }),
    ),
    boards: Type.Record(Type.String({ pattern: NAME_PATTERN, maxLength: 64 }), BoardWiring, {
      keyName: 'board name',
      minProperties: 1,
      additionalProperties: false,
    }),
  },
  Strict,
);

const ResetCodes = Type.Optional(
  Type.Array(Type.Integer({ minimum: 0 }), { description: 'reset codes as the board prints them' }),
);

const ResetBits = Type.Optional(
  Type.Array(Type.Integer({ minimum: 0, maximum: 31 }), { description: 'bit numbers in the reset flags register' }),
);

export const Profile = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    console: Type.Optional(
      Type.Object(
        {
          baud: Type.Optional(Baud),
          'line-ending': Type.Optional(
            Type.Union([Type.Literal('\n'), Type.Literal('\r'), Type.Literal('\r\n')], {
              description: 'what ends a command sent to the board',
            }),
          ),
          prompt: Type.Optional({
            ...Regex,
            description:
              'the prompt the console shows when it is ready for a line; commands wait for it (pacing for boards with no flow control)',
          }),
        },
        Strict,
      ),
    ),
    debug: Type.Optional(
      Type.Object(
        {
          memory: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  name: Type.String({ minLength: 1 }),
                  address: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
                  length: Type.Integer({ minimum: 1, maximum: 256 }),
                },
                Strict,
              ),
              { description: 'memory a debugger must not be able to read: flash, key storage' },
            ),
          ),
          'rom-loader': Type.Optional(
            Type.Union([Type.Literal('esp32'), Type.Literal('stm32')], {
              description:
                "the chip's ROM serial loader, reached through the boot strap: ESP32 on the console port, STM32 (AN3155) on the boot UART",
            }),
          ),
          'usb-allowed': Type.Optional(
            Type.Array(
              Type.Object(
                {
                  class: Type.Integer({ minimum: 0, maximum: 255 }),
                  subclass: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
                  protocol: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
                },
                Strict,
              ),
              { description: 'USB interfaces the board may expose (e.g. CDC-ACM: class 0x02 and 0x0a)' },
            ),
          ),
          'console-probes': Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: "this firmware's own debug or back-door commands, sent besides the built-in list",
            }),
          ),
        },
        { ...Strict, description: 'what the debug-interfaces suite tries on this board' },
      ),
    ),
    fuzz: Type.Optional(ProfileFuzz),
    brownout: Type.Optional(ProfileBrownout),
    credentials: Type.Optional(ProfileCredentials),
    identity: Type.Optional(
      Type.Object(
        {
          pattern: {
            ...Regex,
            description:
              "a line naming this very board (a MAC, a chip id): group 1 is compared with the rig's identity",
          },
          command: Type.Optional(
            Type.String({
              minLength: 1,
              description: 'a command that prints it; without one, the line is read from a boot',
            }),
          ),
        },
        { ...Strict, description: 'how `hil doctor` confirms the board on a port is the one the rig says' },
      ),
    ),
    liveness: Type.Optional(
      Type.Object(
        {
          send: Type.String({ minLength: 1, description: 'a harmless command' }),
          expect: Regex,
          deadline: Duration,
        },
        { ...Strict, description: 'how to tell the firmware is alive: a command and the answer it must give in time' },
      ),
    ),
    boot: Type.Object(
      {
        banner: Type.Optional({
          ...Regex,
          description:
            "the boot's first line (ROM or bootloader banner); leave out for firmware that prints none: the ready line then marks a boot",
        }),
        ready: Regex,
        version: Type.Optional(Regex),
        'reset-reason': Type.Optional(Regex),
        deadline: Duration,
        'red-flags': Type.Optional(Type.Array(Regex)),
        required: Type.Optional(Type.Array(Regex)),
      },
      Strict,
    ),
    crash: Type.Optional(Type.Array(Regex, { description: 'lines that mean the firmware crashed' })),
    'reset-reasons': Type.Optional(
      Type.Object(
        {
          'power-on': ResetCodes,
          'brown-out': ResetCodes,
          software: ResetCodes,
          watchdog: ResetCodes,
          pin: ResetCodes,
        },
        { ...Strict, description: 'which reset codes mean which kind of reset (a ROM that prints one code, as ESP32)' },
      ),
    ),
    'reset-flags': Type.Optional(
      Type.Object(
        { 'power-on': ResetBits, 'brown-out': ResetBits, software: ResetBits, watchdog: ResetBits, pin: ResetBits },
        {
          ...Strict,
          description:
            "the reset reason as a register of flags (STM32's RCC_CSR, in hexadecimal): each kind's bit numbers; the first kind, in this order, with a bit set names the reset",
        },
      ),
    ),
    actions: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.String({ minLength: 1 }), {
        additionalProperties: false,
      }),
    ),
  },
  Strict,
);

export type RigConfig = Static<typeof Rig>;
export type BoardWiringConfig = Static<typeof BoardWiring>;
export type PowerWiringConfig = DriverWiringConfig;
export type ConsoleWiringConfig = Static<typeof ConsoleWiring>;
export type ProfileConfig = Static<typeof Profile>;
export type UsbIdentityConfig = Static<typeof UsbIdentity>;
export type QemuMachineConfig = Static<typeof QemuMachine>;
export type DebugWiringConfig = Static<typeof DebugWiring>;
export type BootStrapConfig = DriverWiringConfig;

export const SCHEMAS: Record<string, TSchema> = { rig: Rig, profile: Profile };
