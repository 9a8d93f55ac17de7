/**
 * Rig and board-profile schemas. They are JSON Schema (TypeBox builds them), so the same objects
 * validate files here (Ajv) and are exported for editors (`hil schemas`).
 * A value marked `secret: true` is redacted from every log and report.
 *
 * The rig schema's `power` and `boot-strap` are one branch per driver, and the drivers are config's
 * to describe, not to know: `rigSchema` is handed them by the driver registry (power/registry.ts),
 * which assembles the rig schema every rig is loaded with.
 */
import { type Static, type TSchema, Type } from './typebox.ts';
import type { Resolved } from './resolve.ts';
import { Baud, Duration, HostPort, Name, NAME_PATTERN, Strict, TcpPort, UsbIdentity } from './atoms.ts';
import { RigCredentials } from './credentials-options.ts';
import { RigBrownout, RigFuzz, Rollback } from './suite-options.ts';

export type { RollbackConfig } from './suite-options.ts';
export { Profile, type ProfileConfig } from './profile-schema.ts';

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
export type DriverConfig = { driver: string } & Record<string, unknown>;
/** What the rig schema needs of a driver: the name the rig file's `driver:` gives, what it is, its config's fields. */
export interface DriverSchema {
  name: string;
  description: string;
  fields: Record<string, TSchema>;
}
const driverBranch = (d: DriverSchema, extra = {}) =>
  Type.Object({ driver: Type.Literal(d.name), ...d.fields, ...extra }, { ...Strict, description: d.description });
/** oneOf + discriminator, so Ajv checks only the branch that `driver` names and its errors stay precise. */
const byDriver = (branches: TSchema[], description: string) =>
  Type.Unsafe<DriverConfig>({
    type: 'object',
    oneOf: branches,
    discriminator: { propertyName: 'driver' },
    description,
  });

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

export const QemuMachine = Type.Object(
  {
    binary: Type.Optional(Type.String({ minLength: 1, description: 'the QEMU program (default qemu-system-arm)' })),
    machine: Type.String({ minLength: 1, description: 'the -M machine, e.g. microbit' }),
    loader: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'a firmware file given to -device loader (hex, elf, bin), relative to the rig file',
      }),
    ),
    kernel: Type.Optional(
      Type.String({ minLength: 1, description: 'a firmware file given to -kernel, relative to the rig file' }),
    ),
    bios: Type.Optional(
      Type.String({ minLength: 1, description: 'a firmware file given to -bios, relative to the rig file' }),
    ),
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
  'deaf-console',
  'crash-long-arg',
  'hang-on-token',
  'oob-after-set',
  'smp-length-reset',
  'no-version',
  'stalls-before-ready',
  'debug-command',
  'tls-no-verify',
  'tls-verify-ignored',
  'tls-no-hostname',
  'tls-no-pin',
  'tls-expiry-ignored',
  'tls-legacy-versions',
  'tls-client-dies',
  'downgrade-accepted',
  'hash-not-checked',
  'signature-not-checked',
  'unsigned-accepted',
  'upload-discarded',
  // A flash chip (or a cable) that loses a bit the ROM loader writes: caught by hil flash's MD5 verify.
  'flash-bit-flip',
  'any-key-accepted',
  'counter-ignored',
  'settings-corrupted-on-cut',
  'settings-write-fails',
  'settings-in-ram',
  'recovery-opens-on-cut',
  'partial-update-boots',
  'counter-reset-on-cut',
  'no-brownout-detector',
  'default-password',
  'no-throttling',
  'login-dies',
  'shared-password',
] as const;
export type VirtualFlaw = (typeof VIRTUAL_FLAWS)[number];

/** The forms a shell's `help` lists its commands in, as the fuzz grammar reads them (fuzz/help-forms.ts). */
export const HELP_FORMS = ['plain', 'u-boot', 'zephyr', 'freertos', 'esp-idf', 'busybox'] as const;
export type HelpForm = (typeof HELP_FORMS)[number];

/** The rig schema, `power` a branch for each relay and supply, `boot-strap` for each relay and strap driver. */
export function rigSchema(drivers: { power: DriverSchema[]; bootStrap: DriverSchema[] }) {
  const BoardWiring = Type.Object(
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
      power: Type.Optional(
        byDriver(
          drivers.power.map((d) => driverBranch(d, { 'off-time': Type.Optional(Duration) })),
          'how the board is powered: a relay in its supply line or a bench supply',
        ),
      ),
      debug: Type.Optional(DebugWiring),
      /** What holds the boot strap (ESP32 GPIO0, STM32 BOOT0) so a reset lands in the ROM loader: any relay, or a strap driver. */
      'boot-strap': Type.Optional(
        byDriver(
          drivers.bootStrap.map((d) => driverBranch(d)),
          "how the harness puts the board's boot strap in the ROM-loader position",
        ),
      ),
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
      flaws: Type.Optional(
        Type.Array(Type.Unsafe<VirtualFlaw>({ type: 'string', enum: [...VIRTUAL_FLAWS] }), {
          uniqueItems: true,
          description: 'virtual rigs only: flaws the simulated firmware is built with',
        }),
      ),
      version: Type.Optional(Type.String({ description: 'virtual rigs only: the firmware version it reports' })),
      mcumgr: Type.Optional(
        Type.Union([Type.Literal('ideal'), Type.Literal('zephyr')], {
          description:
            "virtual rigs only: how its mcumgr server behaves: ideal (the default), or as Zephyr's (SMPv2 error groups, a 256-byte buffer that drops larger packets, image lookup by hash from slot 0, a slot erase at the first chunk, log lines inside frames)",
        }),
      ),
      'help-form': Type.Optional(
        Type.Unsafe<HelpForm | 'none'>({
          type: 'string',
          enum: [...HELP_FORMS, 'none'],
          description:
            "virtual rigs only: the form its console's `help` takes (default plain: `cfg set <key> <value>`), or none: no help command",
        }),
      ),
      'rdp-level': Type.Optional(
        Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
          description: "virtual rigs only: the STM32 loader's readout protection level (default 1)",
        }),
      ),
      disconnected: Type.Optional(
        Type.Array(
          Type.Union([
            Type.Literal('boot-strap'),
            Type.Literal('boot-uart'),
            Type.Literal('debug'),
            Type.Literal('console-rx'),
          ]),
          {
            uniqueItems: true,
            description:
              "virtual rigs only: wires left unconnected (the strap relay reaches no pin, the boot UART no chip, the probe no target, the console adapter's TX no RX pin: the board prints but reads nothing), to see what the harness says when a path is dead",
          },
        ),
      ),
      'download-mode': Type.Optional(
        Type.Union([Type.Literal('open'), Type.Literal('secure'), Type.Literal('disabled')], {
          description: "virtual rigs only: the ROM loader's mode (default secure: Secure Download Mode)",
        }),
      ),
    },
    Strict,
  );

  return Type.Object(
    {
      name: Name('the rig name: letters, digits, _ and -'),
      description: Type.Optional(Type.String()),
      virtual: Type.Optional(Type.Boolean({ description: 'start the virtual rig process for this file' })),
      lab: Type.Optional(
        Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the test laboratory' })),
            'signing-key': Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 1000,
                description:
                  "the lab's private key (PEM, Ed25519 or ECDSA P-256) that signs each run's MANIFEST.sha256; a path relative to the rig file",
              }),
            ),
          },
          Strict,
        ),
      ),
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
}

export type RigSchema = ReturnType<typeof rigSchema>;
export type RigConfig = Static<RigSchema>;
export type BoardWiringConfig = RigConfig['boards'][string];
/** A board's rig entry as the harness reads it (config/resolve.ts); a driver's config stays as the file gives it. */
export type BoardConfig = Resolved<RigSchema>['boards'][string];
export type ConsoleWiringConfig = Static<typeof ConsoleWiring>;
export type UsbIdentityConfig = Static<typeof UsbIdentity>;
export type QemuMachineConfig = Static<typeof QemuMachine>;
export type DebugWiringConfig = Static<typeof DebugWiring>;
