/**
 * The basic blocks of an ARM Thumb firmware, read from Debian's `arm-none-eabi-objdump` (binutils):
 * its symbol table gives the functions (`-t`, type F) and its disassembly (`-d`) their instructions. A
 * block starts at a function's entry, at every branch target, and at the instruction after any
 * branch, call or return. objdump rather than a Thumb-2 decoder of our own: it is the assembler's own
 * reading of every encoding, and it names each address by function and offset for the coverage file.
 * An image with no symbols (Intel HEX, or raw bytes and their load address) is read as Thumb code
 * from end to end, a section at a time: its literal pools are read as instructions too, and give
 * blocks no case reaches (their breakpoints cost an arming, never a halt).
 * Parsing is pure (tests feed it objdump's text); running objdump is bounded and takes no shell.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface BasicBlock {
  address: number;
  /** `main+0x1c`, or the address in hex where no function covers it. */
  where: string;
}

interface FunctionSymbol {
  name: string;
  start: number;
  size: number;
}

const OBJDUMP = 'arm-none-eabi-objdump';
/** objdump of a 1 MiB firmware is a few MiB of text. */
const MAX_OUTPUT = 64 * 1024 * 1024;
const CONDITIONS = 'eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al';
/** Branches and calls whose target is in the operand: `b`, `b.n`, `beq.w`, `bl`, `cbz r0, <target>`. */
const DIRECT = new RegExp(`^(?:b|bl|cbz|cbnz)(?:${CONDITIONS})?(?:\\.[nw])?$`);
/** Control leaves by a register or a table: the next instruction starts a block. */
const INDIRECT = new RegExp(`^(?:bx|blx|tbb|tbh)(?:${CONDITIONS})?(?:\\.[nw])?$`);

/** Function symbols from `objdump -t`: `08000160 l     F .text	00000028 same`. */
export function parseFunctions(symbols: string): FunctionSymbol[] {
  const found: FunctionSymbol[] = [];
  for (const line of symbols.split('\n')) {
    const m = /^([0-9a-f]{8})\s.{6}F\s+\S+\s+([0-9a-f]{8})\s+(\S+)$/.exec(line);
    if (m && Number.parseInt(m[2]!, 16) > 0)
      found.push({ name: m[3]!, start: Number.parseInt(m[1]!, 16) & ~1, size: Number.parseInt(m[2]!, 16) });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Instructions from `objdump -d --no-show-raw-insn`: ` 8000160:	ldrb	r3, [r0, #0]`. Data (`.word`) is left out. */
export function parseInstructions(disassembly: string): { address: number; mnemonic: string; operands: string }[] {
  const found: { address: number; mnemonic: string; operands: string }[] = [];
  for (const line of disassembly.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([a-z][\w.]*)(?:\t(.*))?$/.exec(line);
    if (m) found.push({ address: Number.parseInt(m[1]!, 16), mnemonic: m[2]!, operands: m[3] ?? '' });
  }
  return found;
}

export function basicBlocks(symbols: string, disassembly: string): BasicBlock[] {
  return blocksIn(parseFunctions(symbols), disassembly);
}

/** With no symbols: each section of the disassembly as one stretch of code, named by address only. */
export function imageBlocks(disassembly: string): BasicBlock[] {
  const sections: FunctionSymbol[] = [];
  for (const part of disassembly.split(/^Disassembly of section .*$/m).slice(1)) {
    const instructions = parseInstructions(part);
    const [first, last] = [instructions[0], instructions.at(-1)];
    if (first && last) sections.push({ name: '', start: first.address, size: last.address + 4 - first.address });
  }
  return blocksIn(sections, disassembly);
}

function blocksIn(functions: FunctionSymbol[], disassembly: string): BasicBlock[] {
  const within = (address: number) => functions.find((f) => address >= f.start && address < f.start + f.size);
  const instructions = parseInstructions(disassembly).filter((i) => within(i.address));
  const isInstruction = new Set(instructions.map((i) => i.address));
  const starts = new Set(functions.map((f) => f.start));
  instructions.forEach((insn, i) => {
    const next = instructions[i + 1]?.address;
    const direct = DIRECT.test(insn.mnemonic);
    const returns =
      (insn.mnemonic.startsWith('pop') || insn.mnemonic.startsWith('ldm')) && /\bpc\b/.test(insn.operands);
    const writesPc = /^(?:ldr|mov)(?:\.w)?$/.test(insn.mnemonic) && /^pc,/.test(insn.operands);
    if (direct) {
      // `8000008 <f+0x8>` with symbols, `0x86` without.
      const target = /(?:^|,\s*)(?:0x)?([0-9a-f]+)(?:\s+<|$)/.exec(insn.operands);
      if (target) starts.add(Number.parseInt(target[1]!, 16));
    }
    if ((direct || returns || writesPc || INDIRECT.test(insn.mnemonic)) && next !== undefined) starts.add(next);
  });
  const where = (address: number) => {
    const f = within(address);
    return f?.name ? `${f.name}+0x${(address - f.start).toString(16)}` : `0x${address.toString(16)}`;
  };
  return [...starts]
    .filter((a) => isInstruction.has(a))
    .sort((a, b) => a - b)
    .map((address) => ({ address, where: where(address) }));
}

/**
 * The printable bytes the code compares with (`cmp r3, #72`): a dictionary read from the build, as
 * AFL's auto-dictionary is, so a comparison a byte at a time is not a 1-in-95 guess at each byte.
 */
export function comparedBytes(disassembly: string): number[] {
  const found = new Set<number>();
  for (const insn of parseInstructions(disassembly)) {
    const m = /^cmp(?:\.w)?$/.test(insn.mnemonic) ? /^\w+, #(\d+)/.exec(insn.operands) : null;
    const value = m ? Number(m[1]) : Number.NaN;
    if (value >= 0x20 && value < 0x7f) found.add(value);
  }
  return [...found].sort((a, b) => a - b);
}

function objdump(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(OBJDUMP, args, { maxBuffer: MAX_OUTPUT, timeout: 60_000 }, (error, stdout) =>
      error ? reject(new Error(`${OBJDUMP} ${args.join(' ')}: ${error.message.split('\n')[0]}`)) : resolve(stdout),
    ),
  );
}

/**
 * The blocks of an ELF with symbols, and the bytes its code compares with; throws naming the file when
 * objdump cannot read it or it has no functions.
 */
export async function elfBasicBlocks(elf: string): Promise<{ blocks: BasicBlock[]; compared: number[] }> {
  const [symbols, disassembly] = await Promise.all([objdump(['-t', elf]), objdump(['-d', '--no-show-raw-insn', elf])]);
  const blocks = basicBlocks(symbols, disassembly);
  if (blocks.length === 0) throw new Error(`${elf}: no function symbols with code (an ELF with symbols is needed)`);
  return { blocks, compared: comparedBytes(disassembly) };
}

/**
 * The blocks of an image with no symbols: Intel HEX (its records carry their addresses), or raw bytes
 * loaded at `address`. Throws naming the file when objdump cannot read it or finds no code.
 */
export async function imageBasicBlocks(
  image: string,
  address: number | undefined,
): Promise<{ blocks: BasicBlock[]; compared: number[] }> {
  const file = await open(image);
  const { buffer } = await file.read(Buffer.alloc(1), 0, 1, 0).finally(() => file.close());
  const ihex = buffer[0] === 0x3a; // ':' opens every Intel HEX record
  if (!ihex && address === undefined)
    throw new Error(`${image}: a raw image needs the address it is loaded at (fuzz.coverage.address)`);
  const format = ihex ? ['-b', 'ihex'] : ['-b', 'binary', `--adjust-vma=0x${address!.toString(16)}`];
  const disassembly = await objdump(['-D', ...format, '-m', 'arm', '-M', 'force-thumb', '--no-show-raw-insn', image]);
  const blocks = imageBlocks(disassembly);
  if (blocks.length === 0) throw new Error(`${image}: no code found`);
  return { blocks, compared: comparedBytes(disassembly) };
}
