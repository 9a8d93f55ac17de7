/**
 * The default-credentials suite's options in rig and profile files: how the firmware's logins go,
 * where a board's are, and its own credentials.
 */
import { type TProperties, Type } from './typebox.ts';
import { Duration, HostPort, Regex, Secret, Strict } from './atoms.ts';
import { withDefault } from './resolve.ts';

const Selector = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

/** A login dialogue on a console or a line-based TCP service: its prompts and its answers. */
const LoginDialog = <E extends TProperties>(extra: E) =>
  Type.Object(
    {
      ...extra,
      'user-prompt': { ...Regex, description: 'the prompt for a user name (it may have no newline): "login: ?$"' },
      'password-prompt': { ...Regex, description: 'the prompt for the password: "Password: ?$"' },
      accepted: { ...Regex, description: 'what it says when the login succeeded' },
      refused: { ...Regex, description: 'what it says when it did not' },
      locked: Type.Optional({
        ...Regex,
        description: 'what it says when it refuses to try (locked out, too many attempts)',
      }),
    },
    Strict,
  );

/** How the default-credentials suite logs in to this firmware, in its profile. */
export const ProfileCredentials = Type.Object(
  {
    console: Type.Optional(
      LoginDialog({
        start: Type.Optional(
          Type.String({ minLength: 1, maxLength: 64, description: 'a console command that brings up the login' }),
        ),
      }),
    ),
    tcp: Type.Optional(LoginDialog({})),
    web: Type.Optional(
      withDefault(
        Type.Object(
          {
            'user-field': Type.Optional(Selector('the user name field (default: the text input before the password)')),
            'password-field': Type.Optional(Selector('the password field (default: input[type=password])')),
            submit: Type.Optional(Selector("the submit button (default: the form's submit, else Enter)")),
            'logged-in': Type.Optional(Selector('shown only when logged in (default: no password field any more)')),
          },
          { ...Strict, description: 'the web UI login form' },
        ),
        {},
      ),
    ),
    defaults: Type.Optional(
      withDefault(
        Type.Array(
          Type.Object(
            { user: Type.String({ maxLength: 64 }), password: Secret('a published default password') },
            Strict,
          ),
          { maxItems: 256, description: "this vendor's published default pairs, tried besides the built-in list" },
        ),
        [],
      ),
    ),
    'lockout-after': Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'failures the firmware allows before it locks out' }),
    ),
    lockout: Type.Optional({ ...Duration, description: 'how long a lockout lasts (the suite waits it out)' }),
  },
  { ...Strict, description: 'how the default-credentials suite logs in to this firmware' },
);

/** Where a board's logins are, and its own credentials (the positive control), in the rig. */
export const RigCredentials = Type.Object(
  {
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "this device's user name" })),
    password: Type.Optional(Secret("this device's own password (its label's): the positive control")),
    web: Type.Optional(Type.String({ minLength: 1, description: 'the web UI login page, or "auto" on a virtual rig' })),
    'http-auth': Type.Optional(
      Type.String({ minLength: 1, description: 'a URL behind HTTP Basic or Digest auth, or "auto" on a virtual rig' }),
    ),
    tcp: Type.Optional(
      Type.Union([HostPort('a telnet-style login service'), Type.Literal('auto')], {
        description: 'a line-based login service (telnet-style): host:port, or "auto" on a virtual rig',
      }),
    ),
    'brute-force-attempts': Type.Optional(
      Type.Integer({
        minimum: 15,
        maximum: 1000,
        description:
          'wrong passwords in a row in brute-force (default 50; at least 15: the trend compares the first five with the last ten). A login that refuses after 3 s takes 150 s for 50',
      }),
    ),
  },
  { ...Strict, description: 'the default-credentials suite on this board: its login surfaces and own credentials' },
);
