/**
 * brownout: power cuts and sags timed to what the board is doing (booting, writing its settings,
 * swapping in an update) never leave it bricked, downgraded, half-updated, with its settings lost,
 * or open. After every trial the board must boot to ready and pass the same checks (after-trial.ts),
 * judged against its own baseline (a clean power cycle before the first trial: baseline.ts); where it
 * has an update path, an older signed image is still refused once the cuts are over.
 */
import {
  afterTrial,
  Bench,
  cutsThroughBoot,
  everyWrite,
  defineSuite,
  fail,
  inconclusive,
  isSupply,
  judgeRefusal,
  pass,
  quickCycles,
  recordBaseline,
  sag,
  skip,
  stillRunning,
  sweepAcross,
} from '../harness/index.ts';

const DEFAULTS = { trials: 4, cutMs: 50, cycles: 10, cycleOffMs: 20, sagMs: 300 };
/** Without a sag voltage in the rig, the sag goes this far below the threshold (above a chip's off level). */
const SAG_BELOW_THRESHOLD = 0.85;

export default defineSuite(
  {
    name: 'brownout',
    needs: ['console', 'power'],
    disturbs: 'power cut and sagged during boots and writes',
    checks: {
      cut: {
        title: 'cuts at points through the boot: the board recovers, as it was, every time',
        provisions: ['5.9-1', '5.9-2'],
      },
      sag: {
        title: 'a sag below the brown-out threshold ends in a brown-out reset, and the board recovers',
        provisions: ['5.9-2', '5.9-3'],
      },
      'cut-at-marker': {
        title: 'cuts swept across a flash write: the settings read back old or new, and nothing is left open',
        provisions: ['5.9-2', '5.9-3'],
      },
      'every-write': {
        title: 'a cut at each flash write of one clean update in turn: the old or the new image runs, verified',
        provisions: ['5.9-2', '5.3-10', '5.7-1'],
      },
      cycles: {
        title: 'quick power cycles in a row (a boot loop on a weak supply): the board recovers',
        provisions: ['5.9-2'],
      },
      'rollback-after-cut': {
        title: 'after the cuts, an older signed image and one with a lower security counter are still refused',
        provisions: ['5.3-10', '5.7-1'],
      },
    },
  },
  async ({ board, seed, check, reportRest, progress }) => {
    if (!board.power) return reportRest(skip('the rig wires no power control to this board: nothing can cut it'));
    const rig = board.connections.config.brownout ?? {};
    const trials = rig.trials ?? DEFAULTS.trials;
    const cutMs = rig.cutMs ?? DEFAULTS.cutMs;
    const baseline = await board.powerCycle('brownout: baseline boot');
    if (!baseline.ready)
      return reportRest(
        inconclusive('before any glitch the board does not boot to its ready line: there is nothing to recover to', {
          tail: baseline.lines.slice(-8),
        }),
      );
    const readyMs = baseline.readyAfterMs ?? board.profile.boot.deadlineMs;
    let bench: Bench;
    try {
      bench = await Bench.open(board, seed, await recordBaseline(board, baseline));
      // The positive control for "settings lost": the marker survives a clean power cycle.
      await bench.proveSettings();
    } catch (error) {
      return reportRest(inconclusive(`the bench could not be prepared: ${(error as Error).message}`));
    }
    try {
      await check('cut', async () => cutsThroughBoot({ bench, trials, cutMs, bootMs: readyMs, progress }));

      await check('sag', async () => {
        const threshold = board.profile.brownout.threshold;
        if (!isSupply(board.power!)) return skip('power is a relay: it can cut, not sag (sags need a bench supply)');
        if (threshold === undefined) return skip('the profile gives no brown-out threshold (brownout.threshold)');
        const volts = rig.sag?.volts ?? Math.round(threshold * SAG_BELOW_THRESHOLD * 100) / 100;
        const holdMs = rig.sag?.timeMs ?? DEFAULTS.sagMs;
        progress(`sag to ${volts} V for ${holdMs} ms (threshold ${threshold} V)`);
        const glitch = await sag(board, volts, holdMs, threshold, 'brownout: sag');
        const boot = await board.recordBoot('brownout: after the sag', glitch.from);
        if (!boot.bannerSeen) {
          // No reset: fine for a sag above the threshold, a failure below it (nothing held the chip in reset).
          const running = await stillRunning(board, 'brownout: alive after the sag');
          const log = board.console.linesSince(glitch.from.mark).slice(-8);
          if (running === undefined)
            return inconclusive('no reset, and the profile gives no way to ask if it runs', { log });
          if (!running)
            return fail({ seen: 'no reset, and the board no longer answers: hung', timing: glitch.timing, log });
          return glitch.belowThreshold
            ? fail({
                seen: `it ran on below its ${threshold} V brown-out threshold, with no reset`,
                timing: glitch.timing,
                log,
              })
            : pass({ headline: 'rode through the sag without a reset', timing: glitch.timing });
        }
        return bench.verdictOf([await afterTrial(board, 'sag', glitch, boot, bench.steady())], 'sags');
      });

      const writer = bench.settings ?? bench.update;
      await check('cut-at-marker', async () =>
        writer ? sweepAcross({ activity: writer, bench, trials, cutMs, progress }) : skip(NOTHING_WRITES),
      );
      const updater = bench.update ?? bench.settings;
      await check('every-write', async () =>
        updater ? everyWrite({ activity: updater, bench, trials, cutMs, progress }) : skip(NOTHING_WRITES),
      );

      await check('cycles', async () => {
        const count = rig.cycles ?? DEFAULTS.cycles;
        const offMs = rig.cycleOffMs ?? DEFAULTS.cycleOffMs;
        // Cuts swept across the boot by its own lines (shares of the baseline boot's), so the cycles land
        // in each of its phases however long a busy host makes a boot take.
        const atLines = Array.from({ length: Math.max(1, count - 1) }, (_, i) =>
          Math.floor(((i + 1) / count) * baseline.lineCount),
        );
        progress(`${count} quick power cycles, off ${offMs} ms each`);
        const glitch = await quickCycles(board, count, offMs, atLines, 'brownout: cycles');
        return bench.verdictOf(
          [await bench.trial(`${count} cycles`, glitch, bench.steady())],
          `runs of ${count} cycles`,
        );
      });

      await check('rollback-after-cut', async () => {
        const path = bench.path;
        const downgrades = bench.downgrades();
        if (!path || !bench.team)
          return skip('the rig wires no update path to this board (rollback: in its rig entry)');
        if (downgrades.length === 0) return skip('the rig names neither an older image nor a signing key');
        const running = bench.running;
        if (!running)
          return inconclusive("before the trials the board ran none of the rig's images, so no refusal can be judged");
        const outcomes = [];
        let stuck: string | undefined;
        for (const offer of downgrades) {
          progress(`after the cuts: offering ${offer.made}`);
          const attempt = await path.offer(offer, `brownout: ${offer.made}`);
          outcomes.push({ offer: offer.made, outcome: judgeRefusal(path, attempt, offer, running) });
          // A board that cannot be brought back ends the offers; what was judged still stands.
          stuck = await path.restore(running, attempt.running, `brownout: ${offer.made}`).then(
            () => undefined,
            (error: Error) => error.message,
          );
          if (stuck) break;
        }
        const failed = outcomes.find((o) => o.outcome.verdict === 'fail');
        const unsure = outcomes.find((o) => o.outcome.verdict === 'inconclusive');
        const evidence = {
          ...Object.fromEntries(outcomes.map((o) => [o.offer, o.outcome])),
          ...(stuck ? { stuck } : {}),
        };
        if (failed) return fail({ seen: `taken after the cuts: ${failed.offer}`, ...evidence });
        if (unsure || stuck)
          return inconclusive(
            unsure ? `could not judge ${unsure.offer}` : `could not return to the current image: ${stuck}`,
            evidence,
          );
        return pass(evidence);
      });
    } finally {
      await bench.close();
    }
  },
);

const NOTHING_WRITES =
  'the board offers nothing that writes flash on request: no config-write and config-read actions, no update path with a newer image';
