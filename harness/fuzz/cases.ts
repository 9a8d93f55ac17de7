/**
 * What case N sends, from (seed, N) alone. Console cases are lines from the device's grammar, or
 * AFL havoc over earlier lines of the grammar; SMP cases are requests mutated inside the packet and
 * re-framed (length, CRC and base64 recomputed, so they reach the device's SMP code), or frames
 * mutated as they are (so they test the framing); datagram cases are havoc over the rig's samples;
 * USB cases are control requests, setup packet first.
 */
import { encodeFrames, encodePacket, GROUP, IMAGE_CMD, OP, OS_CMD } from '../wire/smp.ts';
import { generateLine, type CommandShape } from './grammar.ts';
import { havoc, type MutationContext } from './mutators.ts';
import { caseRng, type Rng } from './prng.ts';

export type TargetKind = 'console' | 'smp' | 'tcp' | 'udp' | 'usb';

/** A case that reached blocks no case before it had: mutation starts from these. */
export interface CorpusEntry {
  /** The case it was; it is used by the cases after it only, so case N follows from (seed, N, the corpus). */
  addedAt: number;
  /** Its line, trimmed to what still reaches the blocks it found (campaign.ts). */
  bytes: Buffer;
  /** Blocks it reached first. */
  found: number;
  /**
   * The earlier cases (indexes) it needs sent before it, on a freshly started board, to reach those
   * blocks: the state they set (an unlock) lasts until a reset. Empty for most entries.
   */
  context: number[];
}

/** What case N sends: the lines of `context` (earlier cases, by index) first, then its own bytes. */
export interface CasePlan {
  context: number[];
  bytes: Buffer;
}

export interface CaseSource {
  seed: number;
  target: TargetKind;
  /** Console: the commands harvested from help and the profile. */
  commands: CommandShape[];
  dictionary: Buffer[];
  /** Network targets: sample messages the rig gives (havoc starts from them). */
  samples: Buffer[];
  maxLength: number;
  /** Console, with coverage: the cases that found blocks, in the order found (the campaign adds them). */
  corpus?: CorpusEntry[];
  /** With coverage: the printable bytes the build compares with (basic-blocks.ts), for the small edits. */
  compared?: number[];
}

/** Tokens every console campaign knows: format strings, escapes, and separators parsers trip on. */
export const BUILT_IN_TOKENS = [
  '%n',
  '%s',
  '%x',
  '\\',
  '"',
  "'",
  '\x1b[',
  '\x00',
  '\xff',
  ';',
  '|',
  '$(',
  '`',
  '..',
  '0x',
  '-1',
].map((t) => Buffer.from(t, 'latin1'));

const NO_CONTEXT: number[] = [];

/** Case N's own bytes (what a reproducer sends; its context, if any, is the preamble's business). */
export function caseBytes(source: CaseSource, index: number): Buffer {
  return casePlan(source, index).bytes;
}

export function casePlan(source: CaseSource, index: number): CasePlan {
  const rng = caseRng(source.seed, index);
  if (source.target === 'console') return consoleCase(source, rng, index);
  return { context: NO_CONTEXT, bytes: otherCase(source, rng) };
}

function otherCase(source: CaseSource, rng: Rng): Buffer {
  switch (source.target) {
    case 'smp':
      return smpCase(source, rng);
    case 'usb':
      // A setup packet from the standard, class and vendor requests, then havoc over it and its data.
      return havoc(usbSeed(rng), rng, { dictionary: [], corpus: [], maxLength: 8 + 64 });
    default:
      return havoc(source.samples.length > 0 ? rng.pick(source.samples) : rng.bytes(16), rng, {
        dictionary: source.dictionary,
        corpus: source.samples,
        maxLength: source.maxLength,
      });
  }
}

/**
 * An entry to start from: the newest ones often (the newest half the time, the one before it a quarter,
 * and so on: a comparison passed a byte at a time is passed by the entry the last byte made), any of
 * them alike otherwise. Not weighted by blocks found: each step through a comparison finds one block.
 */
function pickEntry(entries: CorpusEntry[], rng: Rng): CorpusEntry {
  if (rng.chance(50)) return rng.pick(entries);
  let back = 0;
  while (back < entries.length - 1 && rng.chance(50)) back++;
  return entries[entries.length - 1 - back]!;
}

/**
 * Coverage-guided: a case from an entry is sent after the entry's context (the state it was found in).
 * A fifth are a fresh grammar line in the state the entry leaves (its context and itself sent first):
 * a command that means something else once unlocked is tried there. The rest are the entry mutated:
 * mostly one or two small edits (a byte set to a printable one, one inserted, one deleted), so a
 * comparison a byte at a time is passed a byte at a time; havoc otherwise.
 */
function fromCorpus(source: CaseSource, entries: CorpusEntry[], rng: Rng, context: MutationContext): CasePlan {
  const entry = pickEntry(entries, rng);
  if (rng.chance(20)) return { context: [...entry.context, entry.addedAt], bytes: grammarCase(source, rng, context) };
  const base = entry.bytes;
  if (rng.chance(25)) return { context: entry.context, bytes: havoc(base, rng, context) };
  const compared = source.compared ?? [];
  let out = base;
  for (let edits = 1 + rng.below(2); edits > 0; edits--) {
    // Half at the end of the line: an argument is compared from its start, so it grows at its end.
    const at = rng.chance(50) ? out.length - rng.below(Math.min(2, out.length + 1)) : rng.below(out.length + 1);
    const printable = Buffer.from([compared.length > 0 && rng.chance(50) ? rng.pick(compared) : 0x20 + rng.below(95)]);
    const edit = rng.below(4);
    out =
      edit === 0
        ? Buffer.concat([out.subarray(0, at), printable, out.subarray(at)])
        : edit === 1 && out.length > 1
          ? Buffer.concat([out.subarray(0, at), out.subarray(at + 1)])
          : Buffer.concat([out.subarray(0, at), printable, out.subarray(at + 1)]);
  }
  return { context: entry.context, bytes: out.subarray(0, context.maxLength) };
}

function consoleCase(source: CaseSource, rng: Rng, index: number): CasePlan {
  const context = { dictionary: source.dictionary, corpus: source.samples, maxLength: source.maxLength };
  // Only the entries found before this case: the same case whenever it is made again.
  const found = source.corpus?.filter((e) => e.addedAt < index) ?? [];
  if (found.length > 0 && rng.chance(50)) return fromCorpus(source, found, rng, context);
  return { context: NO_CONTEXT, bytes: grammarCase(source, rng, context) };
}

function grammarCase(source: CaseSource, rng: Rng, context: MutationContext): Buffer {
  const samples = source.samples;
  if (source.commands.length === 0 || (samples.length > 0 && rng.chance(30))) {
    // No grammar (a REPL): the profile's sample lines, mutated; or bytes, where there are none either.
    const base = samples.length > 0 ? rng.pick(samples) : rng.bytes(1 + rng.below(16));
    return rng.chance(20) ? base : havoc(base, rng, context);
  }
  const line = Buffer.from(generateLine(rng, source.commands, source.dictionary), 'latin1');
  // Most cases are grammar lines; the rest are havoc over one, spliced with another.
  if (rng.chance(70)) return line.subarray(0, source.maxLength);
  const other = Buffer.from(generateLine(rng, source.commands, source.dictionary), 'latin1');
  return havoc(line, rng, { ...context, corpus: [other] });
}

/** Requests that change nothing for good: echo, image list, an upload chunk out of place, a state write for no image. */
function smpRequest(rng: Rng): Buffer {
  const sequence = rng.below(256);
  switch (rng.below(4)) {
    case 0:
      return encodePacket(
        { op: OP.WRITE, group: GROUP.OS, sequence, id: OS_CMD.ECHO },
        { d: rng.bytes(1 + rng.below(24)).toString('hex') },
      );
    case 1:
      return encodePacket({ op: OP.READ, group: GROUP.IMAGE, sequence, id: IMAGE_CMD.STATE }, {});
    case 2:
      return encodePacket(
        { op: OP.WRITE, group: GROUP.IMAGE, sequence, id: IMAGE_CMD.UPLOAD },
        { off: 1 + rng.below(4096), data: rng.bytes(rng.below(64)) },
      );
    default:
      return encodePacket(
        { op: OP.WRITE, group: GROUP.IMAGE, sequence, id: IMAGE_CMD.STATE },
        { hash: rng.bytes(32), confirm: false },
      );
  }
}

function smpCase(source: CaseSource, rng: Rng): Buffer {
  const context = { dictionary: source.dictionary, corpus: [] as Buffer[], maxLength: 2048 };
  const packet = smpRequest(rng);
  if (rng.chance(70)) return Buffer.concat(encodeFrames(havoc(packet, rng, context)));
  // In the framing: the frame lines themselves, newlines kept so each still ends as a frame.
  const frames = encodeFrames(packet).map((f) => havoc(f.subarray(0, -1), rng, { ...context, maxLength: 126 }));
  return Buffer.concat(frames.map((f) => Buffer.concat([f.filter((b) => b !== 0x0a), Buffer.from('\n')])));
}

/** Setup packets to start havoc from: GET_DESCRIPTOR of each kind, GET_STATUS, class and vendor requests. */
export function usbSeed(rng: Rng): Buffer {
  const b = Buffer.alloc(8);
  switch (rng.below(4)) {
    case 0:
      b.set([0x80, 0x06, rng.below(256), rng.pick([1, 2, 3, 6, 15, 0x21, 0x22])]);
      b.writeUInt16LE(rng.pick([18, 9, 255, 4096]), 6);
      break;
    case 1:
      b.set([rng.pick([0x80, 0x81, 0x82]), 0x00]);
      b.writeUInt16LE(2, 6);
      break;
    case 2:
      b.set([rng.pick([0xa1, 0x21]), rng.below(256)]);
      b.writeUInt16LE(rng.below(256), 6);
      break;
    default:
      b.set([rng.pick([0xc0, 0x40, 0xc1, 0x41]), rng.below(256), rng.below(256), rng.below(256)]);
      b.writeUInt16LE(rng.below(64), 6);
  }
  return b;
}
