/**
 * The board-profile schema: what a kind of board and firmware looks like (boot lines, crash
 * signatures, reset codes or flags, identity, console actions, each suite's knowledge of it).
 * The harness reads a profile as `BoardProfile` (config/profile.ts), derived from this schema with
 * the defaults named here (`withDefault`).
 */
import { type Static, Type } from './typebox.ts';
import { Baud, Duration, Regex, Strict } from './atoms.ts';
import { keepingNames, withDefault } from './resolve.ts';
import { ProfileCredentials } from './credentials-options.ts';
import { ProfileBrownout, ProfileFuzz } from './suite-options.ts';

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
      withDefault(
        Type.Object(
          {
            baud: Type.Optional(Baud),
            'line-ending': Type.Optional(
              withDefault(
                Type.Union([Type.Literal('\n'), Type.Literal('\r'), Type.Literal('\r\n')], {
                  description: 'what ends a command sent to the board',
                }),
                '\r\n',
              ),
            ),
            prompt: Type.Optional({
              ...Regex,
              description:
                'the prompt the console shows when it is ready for a line; commands wait for it (pacing for boards with no flow control)',
            }),
          },
          Strict,
        ),
        {},
      ),
    ),
    debug: Type.Optional(
      withDefault(
        Type.Object(
          {
            memory: Type.Optional(
              withDefault(
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
                [],
              ),
            ),
            'rom-loader': Type.Optional(
              Type.Union([Type.Literal('esp32'), Type.Literal('stm32')], {
                description:
                  "the chip's ROM serial loader, reached through the boot strap: ESP32 on the console port, STM32 (AN3155) on the boot UART",
              }),
            ),
            'usb-allowed': Type.Optional(
              withDefault(
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
                [],
              ),
            ),
            'console-probes': Type.Optional(
              withDefault(
                Type.Array(Type.String({ minLength: 1 }), {
                  description: "this firmware's own debug or back-door commands, sent besides the built-in list",
                }),
                [],
              ),
            ),
          },
          { ...Strict, description: 'what the debug-interfaces suite tries on this board' },
        ),
        {},
      ),
    ),
    fuzz: Type.Optional(withDefault(ProfileFuzz, {})),
    brownout: Type.Optional(withDefault(ProfileBrownout, {})),
    credentials: Type.Optional(withDefault(ProfileCredentials, {})),
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
        'build-id': Type.Optional({
          ...Regex,
          description:
            "a boot line naming the build by a hash, group 1 the hash as printed (ESP-IDF: 'ELF file SHA256:\\s+([0-9a-f]+)')",
        }),
        'reset-reason': Type.Optional(Regex),
        deadline: Duration,
        'red-flags': Type.Optional(withDefault(Type.Array(Regex), [])),
        required: Type.Optional(withDefault(Type.Array(Regex), [])),
      },
      Strict,
    ),
    crash: Type.Optional(withDefault(Type.Array(Regex, { description: 'lines that mean the firmware crashed' }), [])),
    'reset-reasons': Type.Optional(
      withDefault(
        keepingNames(
          Type.Object(
            {
              'power-on': ResetCodes,
              'brown-out': ResetCodes,
              software: ResetCodes,
              watchdog: ResetCodes,
              pin: ResetCodes,
            },
            {
              ...Strict,
              description: 'which reset codes mean which kind of reset (a ROM that prints one code, as ESP32)',
            },
          ),
        ),
        {},
      ),
    ),
    'reset-flags': Type.Optional(
      keepingNames(
        Type.Object(
          { 'power-on': ResetBits, 'brown-out': ResetBits, software: ResetBits, watchdog: ResetBits, pin: ResetBits },
          {
            ...Strict,
            description:
              "the reset reason as a register of flags (STM32's RCC_CSR, in hexadecimal): each kind's bit numbers; the first kind, in this order, with a bit set names the reset",
          },
        ),
      ),
    ),
    actions: Type.Optional(
      withDefault(
        Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.String({ minLength: 1 }), {
          additionalProperties: false,
        }),
        {},
      ),
    ),
  },
  Strict,
);

export type ProfileConfig = Static<typeof Profile>;
