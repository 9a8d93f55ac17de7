/**
 * rollback: through the update path the product really uses (mcumgr SMP to MCUboot), an older
 * image, a tampered one, one whose header version was raised without re-signing, an unsigned one,
 * one signed by another key and one with a lower security counter are all refused, and the board
 * goes on running its current image, by its boot log and by its image list alike. What the device
 * is configured to do does not count; what it does does. Negatives first; the positive control (a
 * newer signed image is installed for good) last, and only where the rig opts in.
 */
import {
  type Attempt,
  type Board,
  type Candidate,
  defineSuite,
  fail,
  HilError,
  inconclusive,
  offerImage,
  offers,
  type Outcome,
  pass,
  readTeamImages,
  resetAndRead,
  type Running,
  sameVersion,
  skip,
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
    needs: ['console'],
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
  async ({ board, report, reportRest }) => {
    const files = board.rollback;
    if (!files) return reportRest(skip('the rig wires no update path to this board (rollback: in its rig entry)'));
    let team: ReturnType<typeof readTeamImages>;
    try {
      team = readTeamImages(files);
    } catch (error) {
      return reportRest(inconclusive((error as Error).message));
    }
    const current = team.current;
    // The path is live and the board runs what the rig says it runs, or nothing here can be judged.
    const slots = await board.smp.imageState('update path: image list');
    const active = slots.find((s) => s.active) ?? slots.find((s) => s.slot === 0);
    if (!active?.hash?.equals(current.image.hash!)) {
      return reportRest(
        inconclusive("the board does not run the rig's current image, so no refusal could be told from a failure", {
          active: active ? { version: active.version, hash: active.hash?.toString('hex') } : 'no active slot listed',
          current: { version: current.image.version, hash: current.image.hash?.toString('hex') },
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
      const attempt = await offerImage(board, offer, files.chunk, check);
      report(check, refused(attempt, offer, current));
      await backToCurrent(board, attempt.running, current, check);
    }

    const again = await offerImage(board, offered['same-version'] as Candidate, files.chunk, 'same-version');
    report('same-version', sameVersionPolicy(again, current));
    await backToCurrent(board, again.running, current, 'same-version');

    if (!team.newer) return report('newer-accepted', skip('the rig names no newer image (rollback.newer)'));
    if (!files.allowUpgrade) {
      return report(
        'newer-accepted',
        skip('opt-in: rollback.allow-upgrade installs the newer image for good, raising the anti-rollback counter'),
      );
    }
    report('newer-accepted', await installedForGood(board, team.newer, files.chunk));
  },
);

/** The two sources' version, or why there is none to judge by. */
function versionOf(r: Running): { version: string } | { outcome: Outcome } {
  const evidence = {
    bootLog: r.bootVersion ?? 'no version line',
    imageList: r.smpVersion ?? 'no active slot',
    tail: r.tail,
  };
  if (r.printed === 0) return { outcome: inconclusive('the board printed nothing after the SMP reset') };
  if (!r.ready)
    return {
      outcome: fail({ ...evidence, seen: 'the board did not boot to its ready line after the update attempt' }),
    };
  if (r.bootVersion !== undefined && r.smpVersion !== undefined && !sameVersion(r.bootVersion, r.smpVersion))
    return {
      outcome: fail({ ...evidence, seen: 'the boot log and the SMP image list disagree on the running version' }),
    };
  const version = r.bootVersion ?? r.smpVersion;
  if (version === undefined)
    return { outcome: inconclusive('neither the boot log nor the image list gave a version', evidence) };
  return { version };
}

function refused(attempt: Attempt, offer: Candidate, current: Candidate): Outcome {
  const r = attempt.running;
  const seen = versionOf(r);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    offered: offer.made,
    offeredVersion: offer.image.version,
    refusedAt: attempt.refusedAt ? `${attempt.refusedAt} (${attempt.deviceError})` : 'boot',
    running: { bootLog: r.bootVersion ?? 'no version line', imageList: r.smpVersion ?? 'no active slot' },
    bootloader: r.updateLines,
  };
  if (sameVersion(seen.version, current.image.version) && r.smpHash?.equals(current.image.hash!)) return pass(evidence);
  return fail({
    ...evidence,
    seen: sameVersion(seen.version, offer.image.version) ? 'the offered image runs' : 'neither image runs',
  });
}

function sameVersionPolicy(attempt: Attempt, current: Candidate): Outcome {
  const seen = versionOf(attempt.running);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    policy: attempt.refusedAt
      ? `refused at ${attempt.refusedAt} (${attempt.deviceError})`
      : attempt.running.confirmed
        ? 'refused at boot'
        : 'accepted: a test boot of the same version',
    running: { bootLog: attempt.running.bootVersion, imageList: attempt.running.smpVersion },
    bootloader: attempt.running.updateLines,
  };
  return sameVersion(seen.version, current.image.version)
    ? pass(evidence)
    : fail({ ...evidence, seen: 'another version runs' });
}

/**
 * After each attempt the board must run its current image, confirmed. An image it wrongly took for
 * a test boot reverts at the next reset; if it does not, the rest cannot be judged.
 */
async function backToCurrent(board: Board, last: Running, current: Candidate, step: string): Promise<void> {
  const isCurrent = (r: Running) => r.confirmed && r.smpHash?.equals(current.image.hash!) === true;
  if (isCurrent(last)) return;
  const after = await resetAndRead(board, `${step}: revert`);
  if (isCurrent(after)) return;
  throw new HilError({
    board: board.name,
    step: `${step}: back to the current image`,
    expected: `version ${current.image.version}, confirmed, after a reset`,
    seen: `${after.smpVersion ?? 'no active slot'} (${after.confirmed ? 'confirmed' : 'not confirmed'})`,
  });
}

/** The positive control: the newer image boots on a test swap, is confirmed, and stays after a reset. */
async function installedForGood(board: Board, newer: Candidate, chunk: number): Promise<Outcome> {
  const attempt = await offerImage(board, newer, chunk, 'newer-accepted');
  const seen = versionOf(attempt.running);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    offered: newer.made,
    offeredVersion: newer.image.version,
    testBoot: seen.version,
    bootloader: attempt.running.updateLines,
  };
  if (!sameVersion(seen.version, newer.image.version))
    return fail({ ...evidence, seen: 'the newer signed image was not taken: the update path installs nothing' });
  await board.smp.setState(newer.image.hash!, true, 'newer-accepted: confirm');
  const after = await resetAndRead(board, 'newer-accepted: after confirm');
  const kept = versionOf(after);
  if ('outcome' in kept) return kept.outcome;
  const outcome = { ...evidence, afterConfirm: kept.version, confirmed: after.confirmed };
  return sameVersion(kept.version, newer.image.version) && after.confirmed
    ? pass(outcome)
    : fail({ ...outcome, seen: 'the newer image did not stay after it was confirmed' });
}
