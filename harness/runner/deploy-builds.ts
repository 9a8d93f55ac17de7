/**
 * `hil run --firmware [BOARD=]FILE`: before any suite, each board given a build gets it by the first
 * path it offers (flash/deploy.ts), then is restarted and its boot read: a board whose boot does not
 * report the build's version (an image its secure boot turned away, written at the wrong offset) is
 * not tested, unless the run was told `--any-firmware`. What was deployed goes into summary.json.
 */
import { join } from 'node:path';
import { Board } from '../board.ts';
import type { BoardEndpoints } from '../config/endpoints.ts';
import type { LoadedRig } from '../config/load.ts';
import { deploy } from '../flash/deploy.ts';
import { FORMATS } from '../update/formats.ts';
import { sameVersion } from '../update/path.ts';
import { HilError } from '../util/errors.ts';
import type { DeployedBuild, PreflightProblem } from './summary.ts';

/** The version an image claims, read as each update format the harness knows; undefined for a raw binary. */
function claimedVersion(image: Buffer): string | undefined {
  for (const format of Object.values(FORMATS)) {
    try {
      return format.parse(image).info.version;
    } catch {}
  }
  return undefined;
}

export async function deployBuilds(
  rig: LoadedRig,
  builds: Map<string, { file: string; image: Buffer }>,
  endpoints: Record<string, BoardEndpoints> | undefined,
  outDir: string,
  options: { anyFirmware: boolean; say: (board: string, text: string) => void },
): Promise<{ deployed: Record<string, DeployedBuild>; problems: PreflightProblem[] }> {
  const deployed: Record<string, DeployedBuild> = {};
  const problems: PreflightProblem[] = [];
  await Promise.all(
    [...builds].map(async ([name, { file, image }]) => {
      const board = await Board.open({
        rig,
        name,
        logDir: join(outDir, name),
        logName: 'flash',
        endpoints: endpoints?.[name],
      });
      try {
        const done = await deploy(board, image, {}, (text) => options.say(name, text));
        const boot = await board.restart('firmware: boot after the deploy');
        const version = claimedVersion(image);
        deployed[name] = {
          file,
          sha256: done.sha256,
          path: done.path,
          verifiedBy: done.verifiedBy,
          ...(version ? { version } : {}),
          ...(boot.version ? { booted: boot.version } : {}),
        };
        if (version && !sameVersion(boot.version, version) && !options.anyFirmware)
          problems.push({
            board: name,
            need: 'firmware',
            expected: `the build ${file} (version ${version}) running after its deploy`,
            seen: `the boot reports ${boot.version ? `version ${boot.version}` : 'no version'} (--any-firmware tests it anyway)`,
          });
      } catch (error) {
        if (!(error instanceof HilError)) throw error;
        problems.push({
          board: name,
          need: 'firmware',
          expected: `the build ${file} deployed`,
          seen: `${error.detail.step}: ${error.detail.seen}; the board is not tested`,
        });
      } finally {
        await board.close();
      }
    }),
  );
  return { deployed, problems };
}
