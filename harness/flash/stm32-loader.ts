/**
 * Flashing through the STM32 system bootloader (AN3155) on the boot UART, as stm32flash does: BOOT0
 * held through a reset, 0x7F, Get (the loader must offer Write Memory, Read Memory and Extended
 * Erase), Get ID (the part names the sector map), Extended Erase of the sectors the image covers,
 * Write Memory in 256-byte blocks (the last padded with 0xFF to a whole word), then Read Memory of
 * every block, compared byte for byte. Go is never sent: BOOT0 is released and the board power-cycled
 * into what was written. Under readout protection the loader refuses the erase: this path is then not
 * a way to the board, with the loader's refusal as reason (Readout Unprotect would mass-erase it).
 */
import { createHash } from 'node:crypto';
import type { Board } from '../board.ts';
import { Stm32Link, SYNC_ATTEMPTS } from '../probes/stm32-link.ts';
import { ACK, addressBytes, CMD, commandBytes, extendedEraseBytes, NACK, writeBlockBytes } from '../wire/an3155.ts';
import { decodeGetId, STM32_FLASH_BASE, STM32_PARTS, sectorsCovering } from '../wire/stm32-parts.ts';
import type { FlashOutcome, Progress } from './outcome.ts';

/** AN3155 moves at most 256 bytes per Write or Read Memory. */
const BLOCK = 256;
/** A 128 KiB F4 sector erases in at most 4 s (the datasheet's maximum; Zephyr's STM32 driver waits as long). */
const SECTOR_ERASE_MS = 4000;
/** A block is 64 word programs of at most 100 µs (RM0090); 1 s allows a busy USB-serial bridge. */
const BLOCK_WRITE_MS = 1000;
/** Progress every 16 KiB written or read back. */
const PROGRESS_EVERY = 64;

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export async function flashStm32Loader(
  board: Board,
  image: Buffer,
  offset: number,
  progress: Progress,
): Promise<FlashOutcome> {
  if (board.profile.debug.romLoader !== 'stm32')
    return { unavailable: `the profile's ROM loader is ${board.profile.debug.romLoader ?? 'none'}, not stm32` };
  const { bootStrap, bootUart } = board;
  if (!bootStrap) return { unavailable: 'the rig wires no boot strap to hold BOOT0' };
  if (!bootUart) return { unavailable: 'the rig names no boot UART (boot-uart) for the system bootloader' };
  const base = STM32_FLASH_BASE + offset;
  const step = 'flash: STM32 system bootloader';
  progress(`${step}: BOOT0 held (${bootStrap.description}), reset into the system bootloader`);
  const link = await Stm32Link.open(bootUart);
  let left = false;
  const leave = async () => {
    left = true;
    await link.close();
    await bootStrap.leave(board);
  };
  const notAWay = async (why: string): Promise<FlashOutcome> => {
    await leave();
    return { unavailable: why };
  };
  const fail = (what: string, expected: string, seen: string) =>
    board.failure(
      `${step}: ${what}`,
      expected,
      `${seen}; the board is left in its system bootloader until the bench is put at rest`,
    );
  const expectAck = async (bytes: Buffer, what: string, timeoutMs?: number) => {
    const answer = await link.exchange(bytes, timeoutMs);
    if (answer !== 'ack') throw fail(what, 'ACK (0x79)', answer === undefined ? 'no answer' : answer.toUpperCase());
  };
  try {
    await bootStrap.enter(board);
    const synced = await link.sync();
    if (synced === undefined)
      return await notAWay(
        `no answer to 0x7F (${SYNC_ATTEMPTS} tries): the system bootloader is not reached (readout protection level 2, or BOOT0 or the boot UART not wired)`,
      );
    if (synced !== ACK && synced !== NACK)
      return await notAWay(`0x7F was answered 0x${synced.toString(16)}, not as AN3155 says`);
    const get = await link.get();
    if (!get) throw fail('Get', "the bootloader's command list", 'no whole answer');
    const missing = [CMD.WRITE_MEMORY, CMD.READ_MEMORY, CMD.EXTENDED_ERASE].filter((c) => !get.commands.includes(c));
    if (missing.length > 0)
      return await notAWay(
        `bootloader ${get.version} does not offer ${missing.map((c) => `0x${c.toString(16)}`).join(', ')}`,
      );
    const id =
      (await link.command(CMD.GET_ID)) === 'ack' ? decodeGetId((await link.read(4)) ?? Buffer.alloc(0)) : undefined;
    if (id === undefined) throw fail('Get ID', 'the product id', 'no whole answer');
    const part = STM32_PARTS.get(id);
    if (!part)
      return await notAWay(
        `product id 0x${id.toString(16)} has no sector map here (known: ${[...STM32_PARTS].map(([k, p]) => `0x${k.toString(16)} ${p.name}`).join(', ')})`,
      );
    const sectors = sectorsCovering(part, base, image.length);
    if (!sectors) return await notAWay(`${image.length} bytes at ${hex(base)} do not fit the ${part.name}'s flash`);

    const eraseMs = SECTOR_ERASE_MS * sectors.length;
    progress(`${step}: ${part.name}, erase sectors ${sectors.join(', ')} (deadline ${eraseMs} ms)`);
    const erase = await link.command(CMD.EXTENDED_ERASE);
    if (erase === 'nack')
      return await notAWay('the bootloader refused Extended Erase (NACK), as it does under readout protection');
    if (erase !== 'ack') throw fail('Extended Erase', 'ACK (0x79)', erase ?? 'no answer');
    await expectAck(extendedEraseBytes(sectors), `erase of sectors ${sectors.join(', ')}`, eraseMs);

    const blocks = Math.ceil(image.length / BLOCK);
    for (let i = 0; i < blocks; i++) {
      const at = base + i * BLOCK;
      const data = image.subarray(i * BLOCK, (i + 1) * BLOCK);
      const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4, 0xff)]);
      const what = `Write Memory at ${hex(at)} (block ${i + 1}/${blocks})`;
      link.clear();
      await expectAck(commandBytes(CMD.WRITE_MEMORY), what);
      await expectAck(addressBytes(at), what);
      await expectAck(writeBlockBytes(padded), what, BLOCK_WRITE_MS);
      if ((i + 1) % PROGRESS_EVERY === 0 || i === blocks - 1) progress(`${step}: ${i + 1}/${blocks} blocks written`);
    }

    for (let i = 0; i < blocks; i++) {
      const at = base + i * BLOCK;
      const expected = image.subarray(i * BLOCK, (i + 1) * BLOCK);
      const what = `Read Memory at ${hex(at)} (verify, block ${i + 1}/${blocks})`;
      const seen = await link.readMemory(at, expected.length);
      if (!Buffer.isBuffer(seen)) throw fail(what, `${expected.length} bytes`, seen.refused);
      const first = expected.findIndex((byte, k) => seen[k] !== byte);
      if (first >= 0)
        throw fail(
          'verify',
          `the byte at ${hex(at + first)} to be 0x${expected[first]!.toString(16).padStart(2, '0')}`,
          `0x${seen[first]!.toString(16).padStart(2, '0')}`,
        );
      if ((i + 1) % PROGRESS_EVERY === 0 || i === blocks - 1) progress(`${step}: ${i + 1}/${blocks} blocks verified`);
    }
    await leave();
    const sha256 = createHash('sha256').update(image).digest('hex');
    return {
      written: {
        path: 'stm32-loader',
        verifiedBy: `read back through the bootloader's Read Memory: ${image.length} bytes at ${hex(base)} match (SHA-256 ${sha256})`,
        offset,
      },
    };
  } finally {
    if (!left) {
      await link.close();
      // BOOT0 is released whatever happened; the board stays in its loader until its next reset.
      await bootStrap.rest().catch(() => undefined);
    }
  }
}
