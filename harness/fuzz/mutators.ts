/**
 * AFL's mutations (docs/technical_details.md, "havoc"): bit and byte flips, interesting 8/16/32-bit
 * values, arithmetic within +-35, block delete, insert, duplicate and overwrite, splice with another
 * input, and dictionary tokens. Each takes the case's generator, so a case's bytes follow from
 * (seed, index) alone. Outputs never exceed `maxLength`.
 */
import type { Rng } from './prng.ts';

/** AFL's interesting values (config.h INTERESTING_8/16/32). */
const INTERESTING_8 = [-128, -1, 0, 1, 16, 32, 64, 100, 127];
const INTERESTING_16 = [...INTERESTING_8, -32768, -129, 128, 255, 256, 512, 1000, 1024, 4096, 32767];
const INTERESTING_32 = [...INTERESTING_16, -2147483648, -100663046, -32769, 32768, 65535, 65536, 100663045, 2147483647];
const ARITH_MAX = 35;

export interface MutationContext {
  dictionary: readonly Buffer[];
  corpus: readonly Buffer[];
  maxLength: number;
}

type Mutation = (input: Buffer, rng: Rng, context: MutationContext) => Buffer;

const at = (input: Buffer, rng: Rng, width = 1) => rng.below(Math.max(1, input.length - width + 1));

function write(input: Buffer, offset: number, value: number, width: 1 | 2 | 4, littleEndian: boolean): Buffer {
  if (input.length < width) return input;
  const out = Buffer.from(input);
  if (width === 1) out.writeUInt8(value & 0xff, offset);
  else if (width === 2) (littleEndian ? out.writeUInt16LE : out.writeUInt16BE).call(out, value & 0xffff, offset);
  else (littleEndian ? out.writeUInt32LE : out.writeUInt32BE).call(out, value >>> 0, offset);
  return out;
}

const read = (input: Buffer, offset: number, width: 1 | 2 | 4, littleEndian: boolean) =>
  width === 1
    ? input.readUInt8(offset)
    : width === 2
      ? littleEndian
        ? input.readUInt16LE(offset)
        : input.readUInt16BE(offset)
      : littleEndian
        ? input.readUInt32LE(offset)
        : input.readUInt32BE(offset);

const WIDTHS = [1, 2, 4] as const;

export const MUTATIONS: Record<string, Mutation> = {
  bitflip(input, rng) {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    const bit = rng.below(input.length * 8);
    out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
    return out;
  },
  byteflip(input, rng) {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    const i = at(input, rng);
    out[i] = out[i]! ^ 0xff;
    return out;
  },
  interesting(input, rng) {
    const width = rng.pick(WIDTHS);
    const values = width === 1 ? INTERESTING_8 : width === 2 ? INTERESTING_16 : INTERESTING_32;
    return write(input, at(input, rng, width), rng.pick(values), width, rng.chance(50));
  },
  arith(input, rng) {
    const width = rng.pick(WIDTHS);
    if (input.length < width) return input;
    const offset = at(input, rng, width);
    const littleEndian = rng.chance(50);
    const delta = (1 + rng.below(ARITH_MAX)) * (rng.chance(50) ? 1 : -1);
    return write(input, offset, read(input, offset, width, littleEndian) + delta, width, littleEndian);
  },
  deleteBlock(input, rng) {
    if (input.length < 2) return input;
    const length = 1 + rng.below(Math.min(32, input.length - 1));
    const offset = rng.below(input.length - length + 1);
    return Buffer.concat([input.subarray(0, offset), input.subarray(offset + length)]);
  },
  insertBlock(input, rng, context) {
    const length = 1 + rng.below(32);
    const block =
      rng.chance(50) || input.length === 0 ? rng.bytes(length) : Buffer.alloc(length, input[at(input, rng)]!);
    const offset = rng.below(input.length + 1);
    return Buffer.concat([input.subarray(0, offset), block, input.subarray(offset)]).subarray(0, context.maxLength);
  },
  duplicateBlock(input, rng, context) {
    if (input.length === 0) return input;
    const length = 1 + rng.below(Math.min(64, input.length));
    const from = rng.below(input.length - length + 1);
    const times = 1 + rng.below(8);
    const block = Buffer.concat(Array(times).fill(input.subarray(from, from + length)));
    const to = rng.below(input.length + 1);
    return Buffer.concat([input.subarray(0, to), block, input.subarray(to)]).subarray(0, context.maxLength);
  },
  overwriteBlock(input, rng) {
    if (input.length < 2) return input;
    const length = 1 + rng.below(Math.min(16, input.length - 1));
    const from = rng.below(input.length - length + 1);
    const to = rng.below(input.length - length + 1);
    const out = Buffer.from(input);
    input.copy(out, to, from, from + length);
    return out;
  },
  splice(input, rng, context) {
    if (context.corpus.length === 0 || input.length < 2) return input;
    const other = rng.pick(context.corpus);
    const cut = 1 + rng.below(input.length - 1);
    const from = rng.below(other.length + 1);
    return Buffer.concat([input.subarray(0, cut), other.subarray(from)]).subarray(0, context.maxLength);
  },
  token(input, rng, context) {
    if (context.dictionary.length === 0) return input;
    const token = rng.pick(context.dictionary);
    const offset = rng.below(input.length + 1);
    const replace = rng.chance(50) ? Math.min(token.length, input.length - offset) : 0;
    return Buffer.concat([input.subarray(0, offset), token, input.subarray(offset + replace)]).subarray(
      0,
      context.maxLength,
    );
  },
};

const NAMES = Object.keys(MUTATIONS);

/** AFL's havoc stage: a stack of 1 to 8 random mutations. */
export function havoc(input: Buffer, rng: Rng, context: MutationContext): Buffer {
  let out = input;
  const stack = 1 << rng.below(4);
  for (let i = 0; i < stack; i++) out = MUTATIONS[rng.pick(NAMES)]!(out, rng, context);
  return out.subarray(0, context.maxLength);
}
