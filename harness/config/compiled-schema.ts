/**
 * A schema's validator, compiled by ajv once per schema for every process: ajv generating and
 * evaluating a rig's and a profile's validator cost each process that loads a rig about 0.2 s (hil,
 * the rig host and every suite, two of them on a run's critical path). The validator's standalone
 * code is kept in build/validators/, named by a hash of the schema and of ajv's version, so a changed
 * schema (a driver added, an option renamed) gets a file of its own and a stale one is never read.
 * The generated code is wrapped in a function that is handed the custom formats, which live here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as AjvModule from 'ajv';
import type { ValidateFunction } from 'ajv';
/** ajv's standalone code generator (ajv/dist/standalone), typed here: its typings export a namespace. */
type StandaloneCode = (ajv: AjvModule.Ajv, validate: ValidateFunction) => string;
import { PROJECT_ROOT, writeWholeFile } from '../util/root.ts';
import { parseHostPort } from './atoms.ts';
import { MAX_DURATION_MS, parseDuration } from './duration.ts';
import { nestedQuantifier } from './safe-regex.ts';
import type { TSchema } from './typebox.ts';

/** The string formats the schemas use beyond JSON Schema's own. */
const FORMATS: Record<string, (value: string) => boolean> = {
  regex: (source) => {
    try {
      new RegExp(source);
    } catch {
      return false;
    }
    return nestedQuantifier(source) === undefined;
  },
  'host-port': (value) => {
    const { port } = parseHostPort(value);
    return port >= 1 && port <= 65535;
  },
  duration: (value) => {
    try {
      return parseDuration(value) <= MAX_DURATION_MS;
    } catch {
      return false;
    }
  },
};

const require = createRequire(import.meta.url);
const CACHE_DIR = join(PROJECT_ROOT, 'build', 'validators');
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;
/** Bumped when the options below or the wrapper change what a cached file holds. */
const CACHE_FORMAT = 1;

let ajv: AjvModule.Ajv | undefined;
/** ajv itself is loaded only when a schema has no cached validator. */
function compiler(): AjvModule.Ajv {
  if (ajv) return ajv;
  const { Ajv, _ } = require('ajv') as typeof AjvModule;
  ajv = new Ajv({
    allErrors: true,
    discriminator: true,
    strict: true,
    allowUnionTypes: true,
    // The generated code reaches the formats through its wrapper's parameter.
    code: { source: true, formats: _`formats` },
  });
  ajv.addVocabulary(['secret', 'keyName']);
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
  return ajv;
}

const validators = new WeakMap<TSchema, ValidateFunction>();

/** `dir`: where validators are kept (a test's own folder). */
export function validatorFor(schema: TSchema, dir = CACHE_DIR): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = cachedOrCompiled(schema, dir)));
  return validate;
}

/** The file a schema's validator is kept in. */
export function cacheFileOf(schema: TSchema, dir = CACHE_DIR): string {
  const key = createHash('sha256')
    .update(`${CACHE_FORMAT} ${AJV_VERSION} ${JSON.stringify(schema)}`)
    .digest('hex');
  return join(dir, `${key.slice(0, 32)}.cjs`);
}

function cachedOrCompiled(schema: TSchema, dir: string): ValidateFunction {
  const file = cacheFileOf(schema, dir);
  try {
    return (require(file) as (formats: typeof FORMATS) => ValidateFunction)(FORMATS);
  } catch {
    // None kept yet (or one this ajv cannot run): compiled now, and kept for the next process.
  }
  const validate = compiler().compile(schema);
  const standaloneCode = (require('ajv/dist/standalone/index.js') as { default: StandaloneCode }).default;
  const code = standaloneCode(compiler(), validate);
  const wrapped = `"use strict";\nmodule.exports = function (formats) {\nconst module = { exports: {} };\nconst exports = module.exports;\n${code}\nreturn module.exports;\n};\n`;
  try {
    mkdirSync(dir, { recursive: true });
    writeWholeFile(file, wrapped);
  } catch {
    // An installation this user cannot write to compiles in every process, as before.
  }
  return validate;
}
