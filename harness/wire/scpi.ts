/**
 * SCPI-99 message syntax, as pure functions shared by the supply driver and the virtual supply.
 * A header spec is written the way instrument manuals write it: long form with the short form in
 * capitals, optional nodes in brackets, `?` for a query, e.g. `MEASure[:SCALar]:VOLTage[:DC]?`.
 * Each node may carry a numeric suffix in the message (`SOURce2`, `OUTPut1`), which is returned.
 */

export interface ScpiUnit {
  header: string;
  query: boolean;
  params: string[];
}

/** Split a program message into its units (`;`-separated), keeping quoted strings whole. */
export function splitMessage(message: string): string[] {
  const units: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of message.trim()) {
    if (quote) {
      current += char;
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === ';') {
      if (current.trim()) units.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) units.push(current.trim());
  return units;
}

export function parseUnit(unit: string): ScpiUnit {
  const space = unit.search(/\s/);
  const rawHeader = space === -1 ? unit : unit.slice(0, space);
  const rest = space === -1 ? '' : unit.slice(space).trim();
  const query = rawHeader.endsWith('?');
  return {
    header: (query ? rawHeader.slice(0, -1) : rawHeader).replace(/^:/, ''),
    query,
    params: rest ? rest.split(',').map((p) => p.trim()) : [],
  };
}

interface SpecNode {
  long: string;
  short: string;
  optional: boolean;
}

function parseSpec(spec: string): { nodes: SpecNode[]; query: boolean } {
  const query = spec.endsWith('?');
  const body = (query ? spec.slice(0, -1) : spec).replace(/^:/, '');
  const nodes: SpecNode[] = [];
  for (const match of body.matchAll(/(\[)?:?([A-Za-z*]+)\]?/g)) {
    const word = match[2]!;
    nodes.push({ long: word.toUpperCase(), short: word.replace(/[a-z]/g, ''), optional: match[1] === '[' });
  }
  return { nodes, query };
}

/**
 * Does `unit` use the header `spec`? Returns the numeric suffix of each matched node
 * (1 where none was given, as SCPI-99 says), or undefined when it does not match.
 */
export function matchHeader(spec: string, unit: ScpiUnit): number[] | undefined {
  const { nodes, query } = parseSpec(spec);
  if (query !== unit.query) return undefined;
  const words = unit.header.split(':').filter(Boolean);
  const suffixes: number[] = [];
  const walk = (n: number, w: number): boolean => {
    if (n === nodes.length) return w === words.length;
    const node = nodes[n]!;
    const word = words[w];
    if (word !== undefined) {
      const m = /^([A-Za-z*]+?)(\d*)$/.exec(word);
      const name = m?.[1]?.toUpperCase();
      if (m && (name === node.long || name === node.short)) {
        suffixes.push(m[2] ? Number(m[2]) : 1);
        if (walk(n + 1, w + 1)) return true;
        suffixes.pop();
      }
    }
    return node.optional && walk(n + 1, w);
  };
  return walk(0, 0) ? suffixes : undefined;
}

/** `<NRf>` with an optional unit suffix (V, mV): `3.3`, `3.30E+00`, `3300mV`. */
export function parseVolts(param: string | undefined): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(MV|V)?$/i.exec(param?.trim() ?? '');
  if (!m) return undefined;
  const value = Number(m[1]);
  return m[2]?.toUpperCase() === 'MV' ? value / 1000 : value;
}

/** `<Boolean>`: ON, OFF, 1, 0. */
export function parseBoolean(param: string | undefined): boolean | undefined {
  const word = param?.trim().toUpperCase();
  if (word === 'ON' || word === '1') return true;
  if (word === 'OFF' || word === '0') return false;
  return undefined;
}

/** A `SYSTem:ERRor?` reply: `0,"No error"` or `-113,"Undefined header"`. */
export function parseErrorReply(reply: string): { code: number; message: string } {
  const m = /^\s*([+-]?\d+)\s*,\s*"(.*)"\s*$/.exec(reply);
  if (!m) throw new Error(`not a SCPI error reply: ${JSON.stringify(reply)}`);
  return { code: Number(m[1]), message: m[2]! };
}

export function formatErrorReply(code: number, message: string): string {
  return `${code},"${message}"`;
}

/**
 * An `*IDN?` answer as IEEE 488.2 (10.14) lays it out: manufacturer, model, serial number, firmware,
 * comma-separated. Anything else is not an instrument answering (an HTTP server on port 5025 says
 * `HTTP/1.1 400 Bad Request`), and is an error.
 */
export function parseIdentification(reply: string): {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
} {
  const fields = reply.trim().split(',');
  if (fields.length !== 4 || fields.slice(0, 2).some((f) => f.trim() === ''))
    throw new Error(
      `*IDN? answered ${JSON.stringify(reply.slice(0, 80))}: not an IEEE 488.2 identification (manufacturer,model,serial,firmware)`,
    );
  const [manufacturer, model, serial, firmware] = fields.map((f) => f.trim()) as [string, string, string, string];
  return { manufacturer, model, serial, firmware };
}
