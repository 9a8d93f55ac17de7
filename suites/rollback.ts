/**
 * rollback: through the update path the product really uses (mcumgr SMP to MCUboot, or ESP-IDF
 * HTTPS OTA), an older
 * image, a tampered one, one whose header version was raised without re-signing, an unsigned one,
 * one signed by another key and one with a lower security counter are all refused, and the board
 * goes on running its current image, by its boot log and by the path's own source alike. What the device
 * is configured to do does not count; what it does does. Negatives first; the positive control (a
 * newer signed image is installed for good) last, and only where the rig opts in.
 */
import {
  type Attempt,
  type Candidate,
  defineSuite,
  fail,
  inconclusive,
  judgeRefusal,
  type Outcome,
  offers,
  openUpdatePath,
  pass,
  readTeamImages,
  runningVersions,
  sameVersion,
  skip,
  type UpdatePath,
  versionOf,
} from '../harness/index.ts';

const REFUSALS = {
  'older-refused': 'older',
  'tampered-refused': 'tampered',
  'header-version-refused': 'header-version',
  'unsigned-refused': 'unsigned',
  'wrong-key-refused': 'wrong-key',
  'lower-counter-refused': 'lower-counter',
} as const;

export default defineSuite(
  {
    name: 'rollback',
    needs: ['console', 'trust'],
    disturbs: 'images uploaded, marked and reset through the update path',
    forGood: 'its positive control installs the newer image for good where the rig allows it (allow-upgrade)',
    checks: {
      'older-refused': { title: 'an older signed image is refused', provisions: ['5.3-7', '5.3-10', '5.7-1'] },
      'same-version': {
        title: 'the same version offered again: the policy is reported and the board still runs it',
        provisions: ['5.3-10'],
      },
      'tampered-refused': {
        title: 'a signed image with one bit of its body flipped is refused',
        provisions: ['5.3-9', '5.3-10', '5.7-1'],
      },
      'header-version-refused': {
        title: 'an image whose header version was raised without re-signing is refused',
        provisions: ['5.3-9', '5.3-10', '5.7-1'],
      },
      'unsigned-refused': { title: 'an unsigned image is refused', provisions: ['5.3-7', '5.3-9', '5.3-10', '5.7-1'] },
      'wrong-key-refused': {
        title: 'an image signed by another key is refused',
        provisions: ['5.3-7', '5.3-9', '5.3-10', '5.7-1'],
      },
      'lower-counter-refused': {
        title: 'a higher version with a lower security counter is refused',
        provisions: ['5.3-10', '5.7-1'],
      },
      'newer-accepted': {
        title: 'a newer signed image is accepted, runs and reports its version (positive control)',
        provisions: ['5.3-2', '5.3-10'],
      },
    },
  },
  async ({ board, report: reportCheck, reportRest }) => {
    // What an earlier run left in the update slots, and what was done about it, goes with every verdict.
    let slotsAtStart: Record<string, unknown> | undefined;
    const report = (check: keyof typeof REFUSALS | 'same-version' | 'newer-accepted', outcome: Outcome) =>
      reportCheck(
        check,
        slotsAtStart && outcome.verdict !== 'skip'
          ? { ...outcome, evidence: { ...outcome.evidence, slotsAtStart } }
          : outcome,
      );
    const files = board.rollback;
    if (!files) return reportRest(skip('the rig wires no update path to this board (rollback: in its rig entry)'));
    let team: ReturnType<typeof readTeamImages>;
    try {
      team = readTeamImages(files);
    } catch (error) {
      return reportRest(inconclusive((error as Error).message));
    }
    const current = team.current;
    await board.ensure('ready');
    const path = await openUpdatePath(board);
    try {
      // What an earlier run left in the update slots (a half-written upload) is cleared first.
      slotsAtStart = await path.prepare('update path: known state');
      // The path is live and the board runs what the rig says it runs, or nothing here can be judged.
      const now = await path.running('update path: what runs');
      if (!path.runs(now, current)) {
        return reportRest(
          inconclusive("the board does not run the rig's current image, so no refusal could be told from a failure", {
            running: { bootLog: now.bootVersion, [path.source]: now.pathVersion, id: now.id?.toString('hex') },
            current: { version: current.info.version, id: current.info.hash?.toString('hex') },
          }),
        );
      }
      const offered = offers(team);
      for (const [check, name] of Object.entries(REFUSALS) as [keyof typeof REFUSALS, string][]) {
        const offer = offered[name]!;
        if ('skip' in offer) {
          report(check, skip(offer.skip));
          continue;
        }
        const attempt = await path.offer(offer, check);
        report(check, judgeRefusal(path, attempt, offer, current));
        await path.restore(current, attempt.running, check);
      }

      const again = await path.offer(offered['same-version'] as Candidate, 'same-version');
      report('same-version', sameVersionPolicy(path, again, current));
      await path.restore(current, again.running, 'same-version');

      if (!team.newer) return report('newer-accepted', skip('the rig names no newer image (rollback.newer)'));
      if (!files.allowUpgrade) {
        return report(
          'newer-accepted',
          skip('opt-in: rollback.allow-upgrade installs the newer image for good, raising the anti-rollback counter'),
        );
      }
      report('newer-accepted', await installedForGood(path, team.newer));
    } finally {
      await path.close();
    }
  },
);

function sameVersionPolicy(path: UpdatePath, attempt: Attempt, current: Candidate): Outcome {
  const seen = versionOf(path, attempt.running);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    policy: attempt.refusedAt
      ? `refused at ${attempt.refusedAt}: ${attempt.deviceSaid}`
      : attempt.running.confirmed
        ? 'installed again, or refused at boot'
        : 'accepted: a test boot of the same version',
    running: runningVersions(path, attempt.running),
    bootloader: attempt.running.updateLines,
  };
  return sameVersion(seen.version, current.info.version)
    ? pass(evidence)
    : fail({ ...evidence, seen: 'another version runs' });
}

/** The positive control: the newer image boots, is kept (confirmed), and stays after a restart. */
async function installedForGood(path: UpdatePath, newer: Candidate): Promise<Outcome> {
  const attempt = await path.offer(newer, 'newer-accepted');
  const seen = versionOf(path, attempt.running);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    offered: newer.made,
    offeredVersion: newer.info.version,
    firstBoot: seen.version,
    bootloader: attempt.running.updateLines,
  };
  if (!sameVersion(seen.version, newer.info.version))
    return fail({ ...evidence, seen: 'the newer signed image was not taken: the update path installs nothing' });
  const after = await path.keep(newer, 'newer-accepted');
  const kept = versionOf(path, after);
  if ('outcome' in kept) return kept.outcome;
  const outcome = { ...evidence, afterKeep: kept.version, confirmed: after.confirmed };
  return sameVersion(kept.version, newer.info.version) && after.confirmed
    ? pass(outcome)
    : fail({ ...outcome, seen: 'the newer image did not stay' });
}
