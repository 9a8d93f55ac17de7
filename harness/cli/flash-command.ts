/**
 * `hil flash --rig R --board B [--path update|esp-rom|stm32-loader|openocd|qemu-image] [--offset N] [--log DIR] FILE`: put a build on one board by the first
 * path it offers (harness/flash/deploy.ts), with the board locked, a progress line per step and the
 * bench put at rest whatever happens, a signal too. Exit 0 written and verified; 1 a path wrote but
 * the verify or the confirm failed; 2 no path could be used, or the rig cannot be used.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Board } from '../board.ts';
import { loadRig, needsRigHost } from '../config/load.ts';
import { printWarnings } from '../config/renamed.ts';
import { DEPLOY_PATHS, type DeployPath, deploy, MAX_IMAGE_BYTES, readBuild } from '../flash/deploy.ts';
import { Rig } from '../power/registry.ts';
import { lockBoard } from '../runner/lock.ts';
import { rigHostFor, type RigHostProcess } from '../runner/rig-host.ts';
import { watchSignals } from '../runner/signals.ts';
import { HilError, UsageError } from '../util/errors.ts';

export async function flashCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rig: { type: 'string' },
      board: { type: 'string' },
      offset: { type: 'string' },
      path: { type: 'string' },
      log: { type: 'string' },
    },
  });
  if (!values.rig || !values.board || positionals.length !== 1)
    throw new UsageError('hil flash needs --rig FILE --board NAME and one FILE');
  const file = positionals[0]!;
  const offset = values.offset === undefined ? undefined : flashOffset(values.offset);
  const only = values.path as DeployPath | undefined;
  if (only !== undefined && !DEPLOY_PATHS.includes(only))
    throw new UsageError(`--path must be one of ${DEPLOY_PATHS.join(', ')}, not ${JSON.stringify(only)}`);
  const image = readBuild(file);
  if ('problem' in image) throw new UsageError(image.problem);
  const rig = loadRig(values.rig, Rig);
  printWarnings(rig.warnings);
  if (!rig.config.boards[values.board])
    throw new UsageError(
      `no board ${values.board} in ${rig.file} (boards: ${Object.keys(rig.config.boards).join(', ')})`,
    );
  const say = (text: string) => process.stderr.write(`${values.board}: ${text}\n`);
  const signals = watchSignals();
  const lock = lockBoard(rig.config.name, values.board);
  let host: RigHostProcess | undefined;
  let board: Board | undefined;
  const logDir = values.log ?? mkdtempSync(join(tmpdir(), 'hil-flash-'));
  try {
    if (needsRigHost(rig.config)) host = await rigHostFor(rig);
    board = await Board.open({
      rig,
      name: values.board,
      logDir,
      logName: 'flash',
      endpoints: host?.endpoints.boards[values.board],
    });
    const opened = board;
    // A signal puts the bench at rest at once: whatever step was under way fails, and is said so.
    signals.whenSignalled(
      () => void opened.toSafeState(rig.config['safe-state'] ?? 'off', true).catch(() => undefined),
    );
    const done = await deploy(
      board,
      image,
      { ...(offset === undefined ? {} : { offset }), ...(only ? { only } : {}) },
      say,
    );
    process.stdout.write(
      `${values.board}: ${file} (sha256 ${done.sha256}, ${done.bytes} bytes) by ${done.path}; verified: ${done.verifiedBy}\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof HilError)) throw error;
    const interrupted = signals.signal ? ` (stopped by ${signals.signal})` : '';
    process.stderr.write(`hil flash failed${interrupted}:\n${error.message}\n`);
    process.stderr.write(`${values.board}: not flashed: do not take it as running ${file}\n`);
    return /^flash$/.test(error.detail.step) || signals.signal ? 2 : 1;
  } finally {
    await board?.toSafeState(rig.config['safe-state'] ?? 'off', true).catch(() => undefined);
    await board?.close();
    await host?.stop();
    lock.release();
    signals.stop();
  }
}

/** An offset in flash: decimal or 0x hex, 4 KiB aligned (a sector), under 16 MiB. */
function flashOffset(text: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n % 0x1000 === 0 && n < MAX_IMAGE_BYTES))
    throw new UsageError(`--offset must be a sector-aligned flash offset (0x10000), not ${JSON.stringify(text)}`);
  return n;
}
