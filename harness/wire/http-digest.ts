/**
 * HTTP Basic (RFC 7617) and Digest (RFC 7616, and RFC 2617's MD5 without qop) authorization: the
 * challenge parsed from WWW-Authenticate, the Authorization header computed for one attempt. Pure.
 */
import { createHash } from 'node:crypto';

export interface Challenge {
  scheme: 'basic' | 'digest';
  realm: string;
  nonce?: string;
  opaque?: string;
  qop?: string[];
  algorithm: 'MD5' | 'SHA-256';
}

/** The first Basic or Digest challenge in a WWW-Authenticate header; undefined for other schemes. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(Basic|Digest)\b\s*(.*)$/i.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([a-zA-Z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g))
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  const algorithm = (params.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5';
  return {
    scheme: m[1]!.toLowerCase() as 'basic' | 'digest',
    realm: params.realm ?? '',
    ...(params.nonce !== undefined ? { nonce: params.nonce } : {}),
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    ...(params.qop !== undefined ? { qop: params.qop.split(',').map((q) => q.trim()) } : {}),
    algorithm,
  };
}

const hash = (algorithm: Challenge['algorithm'], text: string) =>
  createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
    .update(text)
    .digest('hex');

/** The digest `response` value (RFC 7616 3.4.1; without qop, RFC 2617 3.2.2.1). */
export function digestResponse(
  c: Challenge,
  user: string,
  password: string,
  method: string,
  uri: string,
  nc: string,
  cnonce: string,
): string {
  const ha1 = hash(c.algorithm, `${user}:${c.realm}:${password}`);
  const ha2 = hash(c.algorithm, `${method}:${uri}`);
  if (!c.qop?.includes('auth')) return hash(c.algorithm, `${ha1}:${c.nonce}:${ha2}`);
  return hash(c.algorithm, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
}

const quoted = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;

export function authorization(
  c: Challenge,
  user: string,
  password: string,
  request: { method: string; uri: string; cnonce: string; nc?: number },
): string {
  if (c.scheme === 'basic') return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0');
  const response = digestResponse(c, user, password, request.method, request.uri, nc, request.cnonce);
  const fields = [
    `username=${quoted(user)}`,
    `realm=${quoted(c.realm)}`,
    `nonce=${quoted(c.nonce ?? '')}`,
    `uri=${quoted(request.uri)}`,
    `algorithm=${c.algorithm}`,
    `response=${quoted(response)}`,
    ...(c.qop?.includes('auth') ? ['qop=auth', `nc=${nc}`, `cnonce=${quoted(request.cnonce)}`] : []),
    ...(c.opaque !== undefined ? [`opaque=${quoted(c.opaque)}`] : []),
  ];
  return `Digest ${fields.join(', ')}`;
}

/** A Digest Authorization header's fields, as a server reads them. */
export function parseAuthorization(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const p of m[1]!.matchAll(/([a-zA-Z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g))
    fields[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return fields;
}
