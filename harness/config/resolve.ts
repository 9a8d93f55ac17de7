/**
 * A validated rig or profile file as the harness reads it, derived from its schema, so that each key
 * is declared once (in the schema): keys in camelCase, a regular expression compiled (flag m), a
 * duration in milliseconds under its key plus `Ms` (`case-deadline` becomes `caseDeadlineMs`), and an
 * absent key given the default its schema names (`withDefault`). `Resolved<S>` is the same walk in
 * types. A mapped type and one walk read better here than TypeBox's `Type.Transform`: a transform needs
 * TypeBox's own `Value.Decode`, which checks the value again without the custom formats ajv has, and
 * is written per key, the repetition this removes.
 */
import { parseDuration } from './duration.ts';
import type { Static, TArray, TObject, TOptional, TProperties, TSchema } from './typebox.ts';

/**
 * On a schema, the value an absent key takes, as the file would give it. A symbol: JSON.stringify
 * skips it, so neither the exported JSON Schemas nor the validators see it.
 */
export const DEFAULT = Symbol('hil default');
/** On an object schema whose keys are names the harness reports (reset kinds): kept as spelt. */
export const NAMES = Symbol('hil names');

export const withDefault = <S extends TSchema>(schema: S, value: Static<S>): S & { [DEFAULT]: Static<S> } => ({
  ...schema,
  [DEFAULT]: value,
});
export const keepingNames = <S extends TObject>(schema: S): S & { [NAMES]: true } => ({ ...schema, [NAMES]: true });

/** What atoms.ts's Duration is, to the walk: a union whose string branch has format duration. */
type DurationSchema = { anyOf: [unknown, { format: 'duration' }] };

type CamelCase<K extends string> = K extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : K;
type KeyOf<K, S, Names> = K extends string
  ? Names extends true
    ? K
    : `${CamelCase<K>}${S extends DurationSchema ? 'Ms' : ''}`
  : never;
/** Optional in the resolved value: optional in the file, with no default. */
type Absent<S> = S extends TOptional<TSchema> ? (S extends { [DEFAULT]: unknown } ? false : true) : false;
type Flat<T> = { [K in keyof T]: T[K] } & {};
type ResolvedObject<P extends TProperties, Names> = Flat<
  { [K in keyof P as Absent<P[K]> extends true ? never : KeyOf<K, P[K], Names>]: Resolved<P[K]> } & {
    [K in keyof P as Absent<P[K]> extends true ? KeyOf<K, P[K], Names> : never]?: Resolved<P[K]>;
  }
>;

export type Resolved<S> = S extends DurationSchema
  ? number
  : S extends { format: 'regex' }
    ? RegExp
    : S extends TArray<infer Item>
      ? Resolved<Item>[]
      : S extends { patternProperties: { [pattern: string]: infer Value } }
        ? Record<string, Resolved<Value>>
        : S extends TObject<infer P>
          ? ResolvedObject<P, S extends { [NAMES]: true } ? true : false>
          : S extends TSchema
            ? Static<S>
            : never;

export function resolveConfig<S extends TSchema>(schema: S, value: Static<S>): Resolved<S> {
  return walk(schema as Node, value) as Resolved<S>;
}

interface Node {
  anyOf?: Node[];
  format?: string;
  items?: Node;
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
  [DEFAULT]?: unknown;
  [NAMES]?: true;
}

const isDuration = (schema: Node) => schema.anyOf?.some((branch) => branch.format === 'duration') === true;
const camelCase = (key: string) => key.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

function walk(schema: Node, value: unknown): unknown {
  if (isDuration(schema)) return parseDuration(value as string | number);
  if (schema.format === 'regex') return new RegExp(value as string, 'm');
  if (Array.isArray(value)) return schema.items ? value.map((item) => walk(schema.items!, item)) : value;
  if (value === null || typeof value !== 'object') return value;
  const given = value as Record<string, unknown>;
  const [each] = Object.values(schema.patternProperties ?? {});
  if (each) return Object.fromEntries(Object.entries(given).map(([key, child]) => [key, walk(each, child)]));
  // A driver's config (one branch per driver) has no properties here: its driver reads its own keys.
  const properties = schema.properties;
  if (!properties) return value;
  const resolved: Record<string, unknown> = {};
  const keyOf = (key: string, child: Node) =>
    schema[NAMES] ? key : `${camelCase(key)}${isDuration(child) ? 'Ms' : ''}`;
  // In the file's order (the first reset kind with a flag set names the reset), then the defaults.
  for (const [key, child] of Object.entries(given)) {
    const schemaOf = properties[key];
    resolved[schemaOf ? keyOf(key, schemaOf) : key] = schemaOf ? walk(schemaOf, child) : child;
  }
  for (const [key, child] of Object.entries(properties)) {
    if (given[key] === undefined && child[DEFAULT] !== undefined)
      resolved[keyOf(key, child)] = walk(child, child[DEFAULT]);
  }
  return resolved;
}
