/**
 * Secrets from rig files (passwords, keys) never reach a log or a report. The schema marks them
 * (`secret: true`); this walks a validated config with its schema and collects their values.
 */
import type { TSchema } from './typebox.ts';

export const REDACTED = '[redacted]';

export function collectSecrets(schema: TSchema, value: unknown, out: Set<string> = new Set()): Set<string> {
  if (value === null || value === undefined) return out;
  if ((schema as { secret?: boolean }).secret === true && typeof value === 'string' && value.length > 0) {
    out.add(value);
    return out;
  }
  for (const branch of [...((schema.anyOf as TSchema[]) ?? []), ...((schema.oneOf as TSchema[]) ?? [])]) {
    collectSecrets(branch, value, out);
  }
  if (typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) collectSecrets(schema.items as TSchema, item, out);
    return out;
  }
  const record = value as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const patterns = Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>);
  for (const [key, child] of Object.entries(record)) {
    const childSchema = properties[key];
    if (childSchema) collectSecrets(childSchema, child, out);
    for (const pattern of patterns) collectSecrets(pattern, child, out);
  }
  return out;
}

export class Redactor {
  readonly secrets: string[];
  /** Each secret as text, and as its UTF-8 bytes read one byte a character (how console lines are kept). */
  private readonly forms: string[];
  constructor(secrets: Iterable<string> = []) {
    // Longest first, so a secret that contains another is removed whole.
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    this.forms = [...new Set(this.secrets.flatMap((s) => [s, Buffer.from(s, 'utf8').toString('latin1')]))].sort(
      (a, b) => b.length - a.length,
    );
  }
  /** Text with every secret taken out: apply before escaping, which would change a secret's bytes. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.forms) out = out.split(secret).join(REDACTED);
    return out;
  }
  get empty(): boolean {
    return this.secrets.length === 0;
  }
}
