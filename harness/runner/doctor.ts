/**
 * `hil doctor --rig FILE`: is this rig ready, board by board, before anyone runs a suite on it?
 * The rig and its profiles load; the board is free (not locked by a run); every console opens and
 * every instrument, probe, strap and trust file the wiring names answers (the pre-flight's pings,
 * all of them, with what each said); and the board behind the console is the one the rig says:
 * its identity line (a MAC, a chip id) read after connecting, by command or from a boot, matches
 * the rig's `identity`, because two boards of one kind on one host is how the wrong board gets
 * flashed. The bench is left at rest. Exit 0 ready, 1 a problem, 2 the rig cannot be checked.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Board } from '../board.ts';
import type { BoardEndpoints } from '../config/endpoints.ts';
import { type LoadedRig, loadRig, needsRigHost } from '../config/load.ts';
import { printWarnings } from '../config/renamed.ts';
import { Rig } from '../power/registry.ts';
import { matchableText } from '../console/escape.ts';
import { ConfigError, HilError } from '../util/errors.ts';
import type { Need } from '../suite.ts';
import { BoardLockedError, lockBoard } from './lock.ts';
import { pingBoard } from './preflight.ts';
import { rigHostFor, type RigHostProcess } from './rig-host.ts';

const EVERY_NEED: Need[] = ['console', 'power', 'debug-port', 'boot-strap', 'boot-uart', 'trust'];
const IDENTITY_DEADLINE_MS = 5000;

export interface DoctorRow {
  check: string;
  status: 'ok' | 'warn' | 'FAIL' | 'skip';
  detail: string;
}

/**
 * What the board behind the console says it is, or why that could not be read. A console port that
 * went away meanwhile (a USB adapter unplugged, or powered by the board) is said to have: the lines
 * it would have carried are not the board's to answer for.
 */
async function readIdentity(board: Board): Promise<{ seen?: string; how: string; portLost?: string }> {
  const identity = board.profile.identity!;
  let portLost: string | undefined;
  const onGone = (why: string) => {
    portLost ??= why;
  };
  board.console.on('gone', onGone);
  try {
    if (identity.command) {
      const how = `\`${identity.command}\``;
      try {
        const mark = await board.command(identity.command, 'doctor: identity');
        const found = await board.console.expect(identity.pattern, {
          timeout: IDENTITY_DEADLINE_MS,
          step: 'doctor: identity line',
          since: mark,
        });
        return { seen: found.match[1], how };
      } catch (error) {
        if (portLost && error instanceof HilError) return { how, portLost };
        throw error;
      }
    }
    const mark = board.console.mark();
    const boot = await board.restart('doctor: restart to read the identity line');
    const printed = boot.ready || boot.lineCount > 0;
    if (printed)
      for (const line of board.console.linesSince(mark)) {
        const found = identity.pattern.exec(matchableText(line));
        if (found?.[1]) return { seen: found[1], how: 'its boot' };
      }
    portLost ??= boot.portLost;
    if (portLost) return { how: 'its boot', portLost };
    return { how: printed ? 'its boot, which had no identity line' : 'a restart, after which it printed nothing' };
  } finally {
    board.console.off('gone', onGone);
  }
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

async function identityRow(
  rig: LoadedRig,
  name: string,
  endpoints: BoardEndpoints | undefined,
  logDir: string,
): Promise<DoctorRow> {
  const wanted = rig.config.boards[name]!.identity;
  const profile = rig.profiles.get(rig.config.boards[name]!.profile)!;
  if (!profile.identity)
    return { check: 'identity', status: 'skip', detail: `profile ${profile.name} names no identity line` };
  const board = await Board.open({ rig, name, logDir, logName: 'doctor', endpoints });
  try {
    const { seen, how, portLost } = await readIdentity(board);
    if (portLost)
      return {
        check: 'identity',
        status: 'FAIL',
        detail: `not read: the console's port went away during ${how} (${portLost})`,
      };
    if (seen === undefined) return { check: 'identity', status: 'FAIL', detail: `no identity line in ${how}` };
    const shown = JSON.stringify(seen.slice(0, 64));
    if (wanted === undefined)
      return {
        check: 'identity',
        status: 'warn',
        detail: `${shown} (from ${how}); the rig names none to compare it with: add identity: ${shown}`,
      };
    if (same(seen, wanted)) return { check: 'identity', status: 'ok', detail: `${shown}, from ${how}` };
    const owner = Object.entries(rig.config.boards).find(([, b]) => b.identity !== undefined && same(b.identity, seen));
    return {
      check: 'identity',
      status: 'FAIL',
      detail: `expected "${wanted}", seen ${shown} (from ${how}): ${owner ? `that is board ${owner[0]}, so the wiring of the two is swapped` : 'another board is on this console'}`,
    };
  } finally {
    await board.toSafeState(rig.config['safe-state'] ?? 'off').catch(() => undefined);
    await board.close();
  }
}

/** Every check of one board, in order; a board another run holds is not touched. */
export async function checkBoard(
  rig: LoadedRig,
  name: string,
  endpoints: BoardEndpoints | undefined,
): Promise<DoctorRow[]> {
  const profile = rig.profiles.get(rig.config.boards[name]!.profile)!;
  const rows: DoctorRow[] = [{ check: 'profile', status: 'ok', detail: `${profile.name} (${profile.file})` }];
  let lock: ReturnType<typeof lockBoard>;
  try {
    lock = lockBoard(rig.config.name, name);
  } catch (error) {
    if (!(error instanceof BoardLockedError)) throw error;
    rows.push({ check: 'lock', status: 'FAIL', detail: error.message });
    rows.push({ check: 'the rest', status: 'skip', detail: 'not checked: the board is in use' });
    return rows;
  }
  const logDir = mkdtempSync(join(tmpdir(), 'hil-doctor-'));
  try {
    rows.push({ check: 'lock', status: 'ok', detail: 'free' });
    const pings = await pingBoard(rig, name, new Set(EVERY_NEED), endpoints);
    for (const ping of pings)
      rows.push({
        check: ping.need,
        status: ping.ok ? 'ok' : 'FAIL',
        detail: ping.ok ? `${ping.expected}: ${ping.seen}` : `expected ${ping.expected}; ${ping.seen}`,
      });
    if (pings.some((p) => p.need === 'console' && !p.ok) || pings.some((p) => p.need === 'wiring'))
      rows.push({ check: 'identity', status: 'skip', detail: 'not checked: the console did not open' });
    else
      rows.push(
        await identityRow(rig, name, endpoints, logDir).catch(
          (error: Error): DoctorRow => ({
            check: 'identity',
            status: 'FAIL',
            detail: `could not read it: ${error.message}`,
          }),
        ),
      );
  } finally {
    lock.release();
    rmSync(logDir, { recursive: true, force: true });
  }
  return rows;
}

export async function doctor(rigFile: string, boards: string[], say: (text: string) => void): Promise<number> {
  let rig: LoadedRig;
  try {
    rig = loadRig(rigFile, Rig);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say(`cannot check: the rig or a profile is invalid:\n  ${error.problems.join('\n  ')}`);
    return 2;
  }
  printWarnings(rig.warnings);
  const all = Object.keys(rig.config.boards);
  const names = boards.length ? boards : all;
  const unknown = names.filter((b) => !all.includes(b));
  if (unknown.length) {
    say(`cannot check: no board ${unknown.join(', ')} in ${rig.file} (boards: ${all.join(', ')})`);
    return 2;
  }
  let host: RigHostProcess | undefined;
  try {
    if (needsRigHost(rig.config)) host = await rigHostFor(rig);
  } catch (error) {
    say(`cannot check: the rig host did not start: ${(error as Error).message}`);
    return 2;
  }
  try {
    const results = await Promise.all(names.map((name) => checkBoard(rig, name, host?.endpoints.boards[name])));
    let problems = 0;
    for (const [i, name] of names.entries()) {
      const rows = results[i]!;
      const failed = rows.filter((r) => r.status === 'FAIL').length;
      problems += failed;
      say(`${name}: ${failed === 0 ? 'ready' : `${failed} problem${failed > 1 ? 's' : ''}`}`);
      for (const row of rows) say(`  ${row.status.padEnd(4)}  ${row.check.padEnd(10)}  ${row.detail}`);
    }
    return problems === 0 ? 0 : 1;
  } finally {
    await host?.stop();
  }
}
