/** The checks on a rig file that need more than one key at a time, which a schema says badly. */
import type { BoardWiringConfig, RigConfig } from './schema.ts';

/** What is wrong with one board's entry, as messages that name the file and the key. */
export function wiringProblems(file: string, rig: RigConfig, name: string, board: BoardWiringConfig): string[] {
  const at = `${file}: boards.${name}`;
  const coverage = coverageProblems(`${at}.fuzz.coverage`, board.fuzz?.coverage);
  if (board.qemu) {
    const problems = (
      [
        'console',
        'power',
        'flaws',
        'version',
        'download-mode',
        'rdp-level',
        'help-form',
        'mcumgr',
        'disconnected',
        'boot-strap',
        'boot-uart',
        'usb',
      ] as const
    )
      .filter((key) => board[key] !== undefined)
      .map((key) => `${at}.${key}: a QEMU board's ${key} comes from QEMU itself; remove it`);
    const firmware = (['loader', 'kernel', 'bios'] as const).filter((key) => board.qemu![key] !== undefined);
    if (firmware.length !== 1) {
      problems.push(
        `${at}.qemu: expected exactly one of loader, kernel or bios, found ${firmware.length ? firmware.join(' and ') : 'none'}`,
      );
    }
    return [...problems, ...coverage];
  }
  const problems: string[] = [...coverage];
  const where = CONSOLE_KINDS.filter((key) => board.console?.[key] !== undefined);
  if (where.length !== 1) {
    problems.push(
      `${at}.console: expected one of "port", "usb", "tcp" or "rfc2217" to say where the console is, found ${where.length ? where.join(' and ') : 'none'}`,
    );
  }
  const autos = autoKeys(board);
  if (!rig.virtual) {
    for (const key of autos)
      problems.push(`${at}.${key}: "auto" needs a virtual rig (virtual: true); give a real address`);
    if (board.flaws?.length) problems.push(`${at}.flaws: flaws are for virtual rigs only (virtual: true)`);
    if (board.version) problems.push(`${at}.version: a firmware version is for virtual rigs only (virtual: true)`);
    if (board['download-mode']) problems.push(`${at}.download-mode: is for virtual rigs only (virtual: true)`);
    if (board['rdp-level'] !== undefined) problems.push(`${at}.rdp-level: is for virtual rigs only (virtual: true)`);
    if (board.disconnected) problems.push(`${at}.disconnected: is for virtual rigs only (virtual: true)`);
    if (board['help-form']) problems.push(`${at}.help-form: is for virtual rigs only (virtual: true)`);
    if (board.mcumgr) problems.push(`${at}.mcumgr: is for virtual rigs only (virtual: true)`);
  }
  return problems;
}

const CONSOLE_KINDS = ['port', 'usb', 'tcp', 'rfc2217'] as const;

/** Coverage reads the blocks of one build: its ELF, or an image with no symbols (which alone takes an address). */
function coverageProblems(at: string, coverage: NonNullable<BoardWiringConfig['fuzz']>['coverage']): string[] {
  if (!coverage) return [];
  const builds = (['elf', 'image'] as const).filter((key) => coverage[key] !== undefined);
  if (builds.length !== 1)
    return [
      `${at}: expected one of "elf" (the build's ELF, with symbols) or "image" (the build with no symbols), found ${builds.length ? builds.join(' and ') : 'none'}`,
    ];
  if (coverage.address !== undefined && coverage.elf !== undefined)
    return [`${at}.address: an ELF says where it is loaded; address is for a raw image`];
  return [];
}

/** Every key path in a board's wiring whose value is "auto" (filled in by the rig host). */
function autoKeys(value: unknown, path = ''): string[] {
  if (value === 'auto') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => autoKeys(child, path ? `${path}.${key}` : key));
}
