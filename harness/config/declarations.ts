/**
 * declarations.yaml, beside the rig: what the manufacturer declares for the provisions a bench cannot
 * test (a disclosure policy, a support period) and the TS 103 701 IXIT items an assessor asks for.
 *
 *   product: Acme T1 thermostat
 *   manufacturer: Acme Ltd
 *   provisions:
 *     5.2-1: { declared: "policy, acknowledgement in 5 working days", document: https://acme.example/psirt }
 *     5.1-5: { not-applicable: "constrained device: runs on a coin cell" }
 *   ixit:
 *     7-UpdMech: { declared: "signed OTA over HTTPS, MCUboot", document: docs/update.pdf }
 *   boards:
 *     esp32-a: { provisions: { ... }, ixit: { ... } }    # one board's answers over the others
 *
 * `not-applicable` is for a conditional provision only (its condition does not hold, and why); the
 * schema offers it nowhere else. A document is a URL, or a path inside the declarations' folder.
 */
import { dirname, join, resolve } from 'node:path';
import { type Provision, PROVISIONS } from '../standards/en303645.ts';
import { IXIT } from '../standards/ts103701.ts';
import { Strict } from './atoms.ts';
import { displayPath, readText } from './read-file.ts';
import { type Static, Type } from './typebox.ts';
import { validateYaml } from './validate.ts';

export const DECLARATIONS_FILE = 'declarations.yaml';

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 4000, description });
/** A URL, or a relative path that stays in the declarations' folder: no leading `/`, no `..` part. */
const Document = Type.String({
  minLength: 1,
  maxLength: 1000,
  pattern: '^(https?://[^\\s]+|(?![/\\\\])(?!(.*[/\\\\])?\\.\\.([/\\\\]|$))[^\\x00-\\x1f]+)$',
  description: "a document: an http(s) URL, or a path inside the declarations file's folder (no .. part)",
});

const declared = { declared: Text("the manufacturer's answer"), document: Type.Optional(Document) };

function provisionEntry(p: Provision) {
  if (!p.condition)
    return Type.Object(
      {
        ...declared,
        // Named only to say why it cannot be used here.
        'not-applicable': Type.Optional(
          Type.Not(Type.Unknown(), {
            description: `nothing: ${p.id} has no condition in Annex B, so it always applies (declare how it is met instead)`,
          }),
        ),
      },
      { ...Strict, description: `${p.id} ${p.label}: declared` },
    );
  return Type.Object(
    {
      declared: Type.Optional(declared.declared),
      'not-applicable': Type.Optional(Text(`why the condition does not hold: ${p.condition}`)),
      document: Type.Optional(Document),
    },
    {
      ...Strict,
      // One or the other: ajv's error for both names the choice through this description.
      oneOf: [
        { required: ['declared'], properties: { declared: {} } },
        { required: ['not-applicable'], properties: { 'not-applicable': {} } },
      ],
      description: `${p.id} ${p.label}: either declared or not-applicable (applies where ${p.condition}), not both`,
    },
  );
}

const Answers = Type.Object(
  {
    provisions: Type.Optional(
      Type.Object(Object.fromEntries(PROVISIONS.map((p) => [p.id, Type.Optional(provisionEntry(p))])), Strict),
    ),
    ixit: Type.Optional(
      Type.Object(
        Object.fromEntries(
          IXIT.map((x) => [x.id, Type.Optional(Type.Object(declared, { ...Strict, description: x.name }))]),
        ),
        Strict,
      ),
    ),
  },
  Strict,
);

export const Declarations = Type.Object(
  {
    product: Type.Optional(Text('the product the declarations are for')),
    manufacturer: Type.Optional(Text('who declares')),
    ...Answers.properties,
    boards: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', maxLength: 64 }), Answers, {
        keyName: 'board name',
        additionalProperties: false,
      }),
    ),
  },
  Strict,
);

type DeclarationsConfig = Static<typeof Declarations>;
export type Answer = { declared?: string; 'not-applicable'?: string; document?: string };

export interface LoadedDeclarations {
  /** As shown in messages and reports. */
  file: string;
  /** Absolute. */
  path: string;
  folder: string;
  config: DeclarationsConfig;
}

/** The file beside a rig, whether or not it exists. */
export const declarationsBeside = (rigFile: string) => join(dirname(resolve(rigFile)), DECLARATIONS_FILE);

export function loadDeclarations(file: string): LoadedDeclarations {
  const shown = displayPath(file);
  const config = validateYaml<DeclarationsConfig>(shown, readText(file), Declarations);
  return { file: shown, path: resolve(file), folder: dirname(resolve(file)), config };
}

/** A board's answer for a provision or IXIT item: its own over the file's. */
export function answerFor(
  declarations: LoadedDeclarations | undefined,
  board: string,
  kind: 'provisions' | 'ixit',
  id: string,
): Answer | undefined {
  const config = declarations?.config;
  const own = config?.boards?.[board]?.[kind] as Record<string, Answer | undefined> | undefined;
  const all = config?.[kind] as Record<string, Answer | undefined> | undefined;
  return own?.[id] ?? all?.[id];
}
