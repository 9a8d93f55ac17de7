/**
 * The small schema pieces that rig and profile files, and every driver's config, are built from.
 * A value marked `secret: true` is redacted from every log and report.
 */
import { Type, type TString } from './typebox.ts';
import { DURATION_PATTERN, MAX_DURATION_MS } from './duration.ts';

export const Duration = Type.Union(
  [
    Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS }),
    Type.String({ pattern: DURATION_PATTERN, format: 'duration' }) as TString & { format: 'duration' },
  ],
  { description: 'a duration: milliseconds, or a string like 500ms, 5s, 2m' },
);
/** A name that becomes part of a path (a board's folder in the run, a profile's file): never `..`. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';
export const Name = (description: string) => Type.String({ pattern: NAME_PATTERN, maxLength: 64, description });
/** Its format is in its type too: config/resolve.ts compiles a regex and reads a duration in ms. */
export const Regex = Type.String({
  minLength: 1,
  format: 'regex',
  description: 'a JavaScript regular expression',
}) as TString & { format: 'regex' };
export const Secret = (description: string) => Type.String({ secret: true, description });
export const Auto = Type.Literal('auto');
export const TcpPort = Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Auto], {
  description: 'a TCP port number, or "auto" on a virtual rig',
});
/** `host:port` (a name, an IPv4 address or a bracketed IPv6 one); the port 1-65535 (format `host-port`). */
export const HostPort = (description: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9.:\\[\\]-]{1,253}:[0-9]{1,5}$',
    format: 'host-port',
    description: `${description}: host:port`,
  });
/** A `host:port` the schema has passed: the brackets of an IPv6 address taken off. */
export function parseHostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}
export const SerialPath = Type.String({ minLength: 1, description: 'a TTY path, or "auto" on a virtual rig' });
export const HttpUrl = Type.String({
  minLength: 1,
  description: 'http://host of the device, or "auto" on a virtual rig',
});
export const Voltage = Type.Number({ minimum: 0, maximum: 60, description: 'volts' });
export const Channel = Type.Integer({ minimum: 1, maximum: 8 });
export const Strict = { additionalProperties: false } as const;
/** A serial line's rate, as a USB-UART bridge can set it. */
export const Baud = Type.Integer({ minimum: 50, maximum: 12_000_000 });

/** A USB device by vendor and product id, and its serial number where several match. */
export const UsbIdentity = Type.Object(
  {
    vendor: Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'USB vendor id, 4 hex digits' }),
    product: Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'USB product id, 4 hex digits' }),
    serial: Type.Optional(Type.String({ minLength: 1 })),
  },
  { ...Strict, description: 'a USB identity that survives re-enumeration' },
);
