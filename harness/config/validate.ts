/**
 * Turns a YAML file into a validated config object, or into messages that point at the file,
 * line and column, name the key path, and say what was expected and what was found.
 */
import type { ErrorObject } from 'ajv';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { TSchema } from './typebox.ts';
import { ConfigError } from '../util/errors.ts';
import { MAX_DURATION_MS } from './duration.ts';
import { validatorFor } from './compiled-schema.ts';
import { nestedQuantifier } from './safe-regex.ts';
import { type Rename, renameKeys } from './renamed.ts';

/** Past this many problems a file is not worth listing further: the first ones say what is wrong. */
const MAX_PROBLEMS = 20;
/** YAML aliases expanded at most: a few are a convenience, thousands are an attack (a "billion laughs"). */
const MAX_ALIASES = 100;

/** `renames`: old keys still read as their new names, each with a warning passed to `warn`. */
export function validateYaml<T>(
  file: string,
  text: string,
  schema: TSchema,
  options: { renames?: readonly Rename[]; warn?: (warning: string) => void } = {},
): T {
  const lines = new LineCounter();
  // merge: YAML's << merge keys, so a rig can describe many alike boards once (an anchor) and vary them.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
  const where = (offset: number) => {
    const pos = lines.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${where(e.pos[0])}: ${e.message.split('\n')[0]}`));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new ConfigError([`${file}: ${(error as Error).message} (at most ${MAX_ALIASES} aliases are expanded)`]);
  }
  for (const warning of renameKeys(data, doc, options.renames ?? [], where)) options.warn?.(warning);
  const validate = validatorFor(schema);
  if (validate(data)) return data as T;
  const errors = relevantErrors(validate.errors ?? []);
  const problems = errors.slice(0, MAX_PROBLEMS).map((error) => {
    const path = pathOf(error);
    const node = nodeAt(doc, path, error);
    const offset = node?.range?.[0] ?? 0;
    return `${where(offset)}: ${formatPath(path)}: ${describeError(error, data, schema)}`;
  });
  const more = errors.length > MAX_PROBLEMS ? [`${file}: ... and ${errors.length - MAX_PROBLEMS} more problems`] : [];
  throw new ConfigError([...new Set(problems), ...more]);
}

/** Drop the summary errors that anyOf/oneOf add on top of the branch errors they explain. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const summary = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if';
  const specific = errors.filter((e) => !summary(e));
  // A summary stays when no branch error explains it (a oneOf both of whose branches matched).
  const explained = (e: ErrorObject) =>
    specific.some((s) => s.instancePath === e.instancePath || s.instancePath.startsWith(`${e.instancePath}/`));
  const kept = errors.filter((e) => !summary(e) || !explained(e));
  // A union of scalar types (duration: integer or string) fails once per branch: keep one line.
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword === 'type' || e.keyword === 'pattern' || e.keyword === 'const' ? 'value' : e.keyword + JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pathOf(error: ErrorObject): string[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  return path;
}

function formatPath(path: string[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

function nodeAt(doc: Document, path: string[], error: ErrorObject): Node | undefined {
  if (error.keyword === 'additionalProperties') {
    const parent = doc.getIn(path, true);
    if (isMap(parent)) {
      const pair = parent.items.find(
        (p) => isPair(p) && isScalar(p.key) && p.key.value === error.params.additionalProperty,
      );
      if (pair && isScalar(pair.key)) return pair.key;
    }
  }
  if (error.keyword === 'required') path = path.slice(0, -1);
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return undefined;
}

/** What was found, shown short: a file can hold a megabyte in one value. */
function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 80 ? `${shown.slice(0, 77)}..."` : shown}`;
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let current: unknown = root;
  for (const part of schemaPath.replace(/^#\//, '').split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current as Record<string, unknown> | undefined;
}

function describeError(error: ErrorObject, data: unknown, root: TSchema): string {
  const value = valueAt(data, error.instancePath);
  // The schema that owns the failed keyword; for a union, the union itself says best what was wanted.
  const owner = error.schemaPath.split('/').slice(0, -1).join('/');
  const union = owner.lastIndexOf('/anyOf/');
  const described = schemaAt(root, union >= 0 ? owner.slice(0, union) : owner);
  const hint = typeof described?.description === 'string' ? described.description : undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      // A mapping of names (boards by board name): the key is a name, and it is not a valid one.
      if (typeof described?.keyName === 'string') {
        return `${described.keyName} ${JSON.stringify(name.slice(0, 80))} is not valid: expected letters, digits, _ and - (starting with a letter or digit)`;
      }
      const allowed = Object.keys((described?.properties as object | undefined) ?? {});
      const suffix = allowed.length > 0 ? `; expected one of: ${allowed.join(', ')}` : '';
      return `unknown key ${JSON.stringify(name.slice(0, 80))}${suffix}`;
    }
    case 'required':
      return `missing required key "${String(error.params.missingProperty)}"`;
    case 'enum':
      return `expected one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${found(value)}`;
    case 'discriminator': {
      const tag = String(error.params.tag);
      const branches = (described?.oneOf as { properties?: Record<string, { const?: unknown }> }[] | undefined) ?? [];
      const known = branches.map((b) => JSON.stringify(b.properties?.[tag]?.const)).join(', ');
      return `expected "${tag}" to be one of ${known}, found ${found((value as Record<string, unknown> | undefined)?.[tag])}`;
    }
    case 'format':
      if (error.params.format === 'duration') {
        return `expected a duration of at most ${MAX_DURATION_MS} ms (about 24 days), found ${found(value)}`;
      }
      if (error.params.format === 'host-port')
        return `expected host:port with a port from 1 to 65535, found ${found(value)}`;
      if (error.params.format !== 'regex') return `expected ${String(error.params.format)}, found ${found(value)}`;
      if (typeof value === 'string' && nestedQuantifier(value)) {
        return `expected a pattern that runs in linear time, found ${found(value)}: ${nestedQuantifier(value)}, which a hostile line can make take exponential time`;
      }
      return `expected a valid regular expression, found ${found(value)}`;
    case 'type':
    case 'pattern':
    case 'const':
      return `expected ${hint ?? expectation(error)}, found ${found(value)}`;
    default:
      return `expected ${hint ?? error.message ?? error.keyword}, found ${found(value)}`;
  }
}

function expectation(error: ErrorObject): string {
  if (error.keyword === 'type') return `a value of type ${String(error.params.type)}`;
  if (error.keyword === 'const') return JSON.stringify(error.params.allowedValue);
  return `a value matching /${String(error.params.pattern)}/`;
}
