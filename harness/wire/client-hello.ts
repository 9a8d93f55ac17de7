/**
 * A TLS ClientHello, parsed from the first bytes a client sends (RFC 5246 7.4.1.2, RFC 8446 4.1.2):
 * record header 16 03 0x LLLL, handshake type 01 and length, client_version, random, session id,
 * cipher suites, compression methods, extensions. Bytes are hostile: every length is checked.
 */
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

/** Suites no device should offer (REFERENCE.md 6.4): NULL, anonymous, export, RC4, DES, 3DES. */
const WEAK_SUITES = new Map<number, string>([
  [0x0000, 'TLS_NULL_WITH_NULL_NULL'],
  [0x0001, 'TLS_RSA_WITH_NULL_MD5'],
  [0x0002, 'TLS_RSA_WITH_NULL_SHA'],
  [0x002c, 'TLS_PSK_WITH_NULL_SHA'],
  [0x002d, 'TLS_DHE_PSK_WITH_NULL_SHA'],
  [0x002e, 'TLS_RSA_PSK_WITH_NULL_SHA'],
  [0x003b, 'TLS_RSA_WITH_NULL_SHA256'],
  [0x0003, 'TLS_RSA_EXPORT_WITH_RC4_40_MD5'],
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'],
  [0x0006, 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5'],
  [0x0008, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0009, 'TLS_RSA_WITH_DES_CBC_SHA'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0011, 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0014, 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0015, 'TLS_DHE_RSA_WITH_DES_CBC_SHA'],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0018, 'TLS_DH_anon_WITH_RC4_128_MD5'],
  [0x001a, 'TLS_DH_anon_WITH_DES_CBC_SHA'],
  [0x001b, 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA'],
  [0x0034, 'TLS_DH_anon_WITH_AES_128_CBC_SHA'],
  [0x003a, 'TLS_DH_anon_WITH_AES_256_CBC_SHA'],
  [0x006c, 'TLS_DH_anon_WITH_AES_128_CBC_SHA256'],
  [0x006d, 'TLS_DH_anon_WITH_AES_256_CBC_SHA256'],
  [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA'],
  [0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA'],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc015, 'TLS_ECDH_anon_WITH_NULL_SHA'],
  [0xc016, 'TLS_ECDH_anon_WITH_RC4_128_SHA'],
  [0xc017, 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA'],
  [0xc018, 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA'],
  [0xc019, 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA'],
]);

export function weakSuites(hello: ClientHello): string[] {
  return hello.cipherSuites
    .filter((s) => WEAK_SUITES.has(s))
    .map((s) => `0x${s.toString(16).padStart(4, '0')} ${WEAK_SUITES.get(s)}`);
}

export function legacyVersions(hello: ClientHello): string[] {
  return hello.versions.filter((v) => v < 0x0303 && v >= 0x0300).map((v) => VERSION_NAMES[v] ?? `0x${v.toString(16)}`);
}
