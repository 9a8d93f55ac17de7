/**
 * The devices under test, one per board of a run: each build its suites saw boot (a board whose build
 * changed part way through shows both, with the suites that saw each), the suites that saw no boot of
 * their own (they took over a board already at its prompt), and the build `--firmware` put there. This
 * heads each board in the report and names the device in evidence.json, as a lab's report does.
 */
import type { LoadedRig } from '../config/load.ts';
import { describeFirmware, type FirmwareSeen } from '../firmware-seen.ts';
import type { DeployedBuild } from '../runner/summary.ts';
import type { RunFolder } from './run-folder.ts';

export interface DeviceUnderTest {
  board: string;
  /** The board's profile in the run's rig, and the file it was read from (none: the rig is gone). */
  profile?: { name: string; file?: string };
  /** The identity line the rig expects of this board (a MAC), which hil doctor checks. */
  identity?: string;
  /** Each distinct build the board's suites saw, in the order first seen, with the suites that saw it. */
  builds: { firmware: FirmwareSeen; suites: string[] }[];
  /** Suites that saw no boot to the ready line (they reused a board already up). */
  notSeen: string[];
  /** The build `hil run --firmware` deployed before the suites. */
  deployed?: DeployedBuild;
}

/** `rig`: the run's rig, where it can still be read: the board's profile and expected identity. */
export function devicesUnderTest(folder: RunFolder, rig?: LoadedRig): DeviceUnderTest[] {
  const boards = [...new Set(folder.results.map((r) => r.board))];
  return boards.map((board) => {
    const builds: DeviceUnderTest['builds'] = [];
    const notSeen: string[] = [];
    for (const result of folder.results.filter((r) => r.board === board)) {
      if (!result.firmware) {
        notSeen.push(result.suite);
        continue;
      }
      const key = JSON.stringify(result.firmware);
      const same = builds.find((b) => JSON.stringify(b.firmware) === key);
      if (same) same.suites.push(result.suite);
      else builds.push({ firmware: result.firmware, suites: [result.suite] });
    }
    const deployed = folder.summary.run.builds?.[board];
    const wiring = rig?.config.boards[board];
    const profileFile = wiring ? rig!.profiles.get(wiring.profile)?.file : undefined;
    return {
      board,
      ...(wiring ? { profile: { name: wiring.profile, ...(profileFile ? { file: profileFile } : {}) } } : {}),
      ...(wiring?.identity ? { identity: wiring.identity } : {}),
      builds,
      notSeen,
      ...(deployed ? { deployed } : {}),
    };
  });
}

/** One line per fact, in words: what the board ran, and what was put there. */
export function describeDevice(device: DeviceUnderTest): string[] {
  const lines = device.profile
    ? [
        `profile: ${device.profile.name}${device.profile.file ? ` (${device.profile.file})` : ''}${device.identity ? `; identity expected by the rig: ${device.identity}` : ''}`,
      ]
    : [];
  lines.push(
    ...(device.builds.length === 0
      ? ['firmware: not seen (no suite booted the board to its ready line)']
      : device.builds.map(
          (b) =>
            `firmware: ${describeFirmware(b.firmware)}${device.builds.length > 1 ? ` (seen by ${b.suites.join(', ')})` : ''}`,
        )),
  );
  if (device.builds.length > 1) lines.push('the build changed during the run');
  if (device.notSeen.length > 0 && device.builds.length > 0)
    lines.push(`not seen by ${device.notSeen.join(', ')} (each took over the board already up)`);
  if (device.deployed)
    lines.push(
      `deployed: ${device.deployed.file} (SHA-256 ${device.deployed.sha256}) by ${device.deployed.path}, verified by ${device.deployed.verifiedBy}${device.deployed.booted ? `; booted version ${device.deployed.booted}` : ''}`,
    );
  return lines;
}
