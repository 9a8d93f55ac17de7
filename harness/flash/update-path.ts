/**
 * Deploying a build through the product's own update path, the one the rollback suite speaks
 * (mcumgr SMP to MCUboot, ESP-IDF OTA): the slots cleared, the build offered for a test boot, and,
 * once it runs, confirmed and read again after a reset. A build the path already runs, confirmed,
 * is not sent again. A path that turns the build away (a development build on a board that takes
 * only signed images) is not a way to this board: the next path is tried, with its refusal named.
 */
import type { Board } from '../board.ts';
import { FORMATS } from '../update/formats.ts';
import { HilError } from '../util/errors.ts';
import { openUpdatePath } from '../update/open.ts';
import { sameVersion } from '../update/path.ts';
import { type Candidate, candidate } from '../update/variants.ts';
import type { FlashOutcome, Progress } from './outcome.ts';

const hex = (b: Buffer | undefined) => (b ? b.toString('hex') : 'none');

export async function deployByUpdatePath(board: Board, bytes: Buffer, progress: Progress): Promise<FlashOutcome> {
  const rollback = board.rollback;
  if (!rollback) return { unavailable: 'the rig names no update path for this board (rollback.path)' };
  let build: Candidate;
  try {
    build = candidate(FORMATS[rollback.path], bytes, 'the build under test');
  } catch (error) {
    return { unavailable: `the file is not an image for ${rollback.path}: ${(error as Error).message}` };
  }
  const step = `flash: ${rollback.path}`;
  try {
    await board.ensure('ready', `${step}: known state`);
  } catch (error) {
    if (!(error instanceof HilError)) throw error;
    return { unavailable: `the running firmware, which speaks it, is not up: ${error.detail.seen}` };
  }
  const path = await openUpdatePath(board);
  try {
    progress(`${step}: the slots into a known state`);
    await path.prepare(step);
    const now = await (path.listNow ?? path.running).call(path, `${step}: what runs`);
    if (path.runs(now, build)) {
      progress(`${step}: version ${build.info.version} already runs, confirmed: nothing to send`);
      return { written: { path: 'already-running', verifiedBy: `${path.source}: ${hex(now.id)}, confirmed` } };
    }
    progress(`${step}: offer version ${build.info.version} (${bytes.length} bytes) for a test boot`);
    const attempt = await path.offer(build, step);
    // On its test boot: named by its hash where the path lists one (SMP), else by version (OTA lists none).
    const { running } = attempt;
    const booted =
      running.id && build.info.hash
        ? running.id.equals(build.info.hash)
        : sameVersion(running.bootVersion ?? running.pathVersion, build.info.version);
    if (attempt.refusedAt || !booted) {
      const why = attempt.refusedAt
        ? `refused at ${attempt.refusedAt}${attempt.deviceSaid ? ` (${attempt.deviceSaid})` : ''}`
        : `not run after its test boot${attempt.rejected ? `: ${attempt.rejected}` : ''}`;
      return { unavailable: `the board's update path took the build but it was ${why}` };
    }
    progress(`${step}: it runs; confirm it and reset`);
    const kept = await path.keep(build, step);
    if (!path.runs(kept, build))
      throw board.failure(
        `${step}: confirm`,
        `the build (hash ${hex(build.info.hash)}) running and confirmed after a reset`,
        `${kept.pathVersion ?? kept.bootVersion ?? 'no version'}, ${kept.confirmed ? 'confirmed' : 'not confirmed'}, ${hex(kept.id)}`,
      );
    return {
      written: {
        path: rollback.path,
        verifiedBy: `${path.source} after a reset names the running, confirmed image by its hash ${hex(kept.id ?? build.info.hash)}`,
      },
    };
  } finally {
    await path.close();
  }
}
