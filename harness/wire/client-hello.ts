/**
 * A TLS ClientHello, parsed from the first bytes a client sends (RFC 5246 7.4.1.2, RFC 8446 4.1.2):
 * record header 16 03 0x LLLL, handshake type 01 and length, client_version, random, session id,
 * cipher suites, compression methods, extensions. Bytes are hostile: every length is checked.
 */ import { readFileSync } from 'node:fs';

export interface ClientHello {
  recordVersion: number;
  clientVersion: number;
  /** From supported_versions (0x002b) when present, else [clientVersion]. */
  versions: number[];
  cipherSuites: number[];
  serverName?: string;
  signatureAlgorithms: number[];
  extensions: number[];
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    private offset = 0,
  ) {}
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
  need(n: number): void {
    if (this.offset + n > this.bytes.length)
      throw new Error(`ClientHello cut short at byte ${this.offset} (needs ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  u24(): number {
    return (this.u8() << 16) | this.u16();
  }
  take(n: number): Buffer {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function u16List(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes.readUInt16BE(i));
  return out;
}

export function parseClientHello(data: Buffer): ClientHello {
  const record = new Reader(data);
  if (record.u8() !== 0x16) throw new Error('not a TLS handshake record');
  const recordVersion = record.u16();
  const body = new Reader(record.take(record.u16()));
  if (body.u8() !== 0x01) throw new Error('not a ClientHello');
  const hello = new Reader(body.take(body.u24()));
  const clientVersion = hello.u16();
  hello.take(32); // random
  hello.take(hello.u8()); // session id
  const cipherSuites = u16List(hello.take(hello.u16()));
  hello.take(hello.u8()); // compression methods
  const result: ClientHello = {
    recordVersion,
    clientVersion,
    versions: [clientVersion],
    cipherSuites,
    signatureAlgorithms: [],
    extensions: [],
  };
  if (hello.remaining === 0) return result; // no extensions at all
  const extensions = new Reader(hello.take(hello.u16()));
  while (extensions.remaining > 0) {
    const type = extensions.u16();
    const ext = new Reader(extensions.take(extensions.u16()));
    result.extensions.push(type);
    if (type === 0x0000) {
      const list = new Reader(ext.take(ext.u16()));
      if (list.u8() === 0) result.serverName = list.take(list.u16()).toString('latin1');
    } else if (type === 0x002b) {
      result.versions = u16List(ext.take(ext.u8()));
    } else if (type === 0x000d) {
      result.signatureAlgorithms = u16List(ext.take(ext.u16()));
    }
  }
  return result;
}

export const VERSION_NAMES: Record<number, string> = {
  768: 'SSL 3.0',
  769: 'TLS 1.0',
  770: 'TLS 1.1',
  771: 'TLS 1.2',
  772: 'TLS 1.3',
};

/** Every registered suite, id -> name (tls-cipher-suites.json names its source; scripts/cipher-suites.mjs remakes it). */
export const CIPHER_SUITES: ReadonlyMap<number, string> = new Map(
  Object.entries(
    (
      JSON.parse(readFileSync(new URL('./tls-cipher-suites.json', import.meta.url), 'utf8')) as {
        suites: Record<string, string>;
      }
    ).suites,
  ).map(([id, name]) => [Number(id), name]),
);

/**
 * What makes a suite weak, read from the parts of its registered name (REFERENCE.md 6.4): no
 * encryption or no authentication (NULL, anon), export grade (EXPORT, EXPORT1024), or a broken
 * cipher (RC4, RC2, DES, DES40, 3DES).
 */
const WEAK_PART = /^(NULL|anon|EXPORT\d*|RC4|RC2|DES\d*|3DES)$/;

export function isWeakSuite(name: string): boolean {
  return name.split('_').some((part) => WEAK_PART.test(part));
}

export function weakSuites(hello: ClientHello): string[] {
  return hello.cipherSuites.flatMap((s) => {
    const name = CIPHER_SUITES.get(s);
    return name && isWeakSuite(name) ? [`0x${s.toString(16).padStart(4, '0')} ${name}`] : [];
  });
}

export function legacyVersions(hello: ClientHello): string[] {
  return hello.versions.filter((v) => v < 0x0303 && v >= 0x0300).map((v) => VERSION_NAMES[v] ?? `0x${v.toString(16)}`);
}
