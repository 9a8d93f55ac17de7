/**
 * fuzz: malformed input on every way in that the board has (its console, SMP frames on it, a TCP or
 * UDP service the rig names, USB control requests) never crashes, hangs or resets it. Campaigns are
 * seeded: case N follows from (seed, N) alone, so any failure replays. A failure is confirmed on a
 * restarted board, minimized, and kept as a reproducer that `hil replay FILE` runs again.
 */
import {
  campaignOutcome,
  defineSuite,
  type FuzzPlan,
  fuzzPlan,
  inconclusive,
  replayReproducer,
  runFuzzCampaign,
  skip,
} from '../harness/index.ts';

const survives = (target: string) => `survives malformed input on ${target} (no crash, hang or reset)`;

export default defineSuite(
  {
    name: 'fuzz',
    needs: ['console'],
    disturbs: 'malformed input sent to every way in',
    checks: {
      console: { title: survives('the console'), provisions: ['5.13-1', '5.9-2'] },
      smp: { title: survives('mcumgr SMP'), provisions: ['5.13-1', '5.9-2'] },
      network: { title: survives('the network ports the rig names'), provisions: ['5.13-1', '5.9-2', '5.6-1'] },
      usb: { title: survives('USB control requests'), provisions: ['5.13-1', '5.9-2'] },
      replay: { title: 'a reproducer given to hil replay no longer reproduces', provisions: ['5.13-1'] },
    },
  },
  async ({ board, rig, seed, report, reportRest, progress }) => {
    const reproducer = process.env.HIL_FUZZ_REPLAY;
    if (reproducer) {
      report('replay', await replayReproducer(board, reproducer, await fuzzPlan(board, seed)));
      return reportRest(skip('a replay run: no campaign'));
    }
    report('replay', skip('no reproducer to replay (hil replay FILE)'));
    const plan: FuzzPlan = await fuzzPlan(board, seed);
    for (const target of ['console', 'smp', 'network', 'usb'] as const) {
      const cannot = plan.untestable[target];
      if (cannot) {
        report(target, inconclusive(cannot));
        continue;
      }
      const why = plan.skip[target];
      if (why) {
        report(target, skip(why));
        continue;
      }
      report(target, campaignOutcome(await runFuzzCampaign(board, rig.file, plan, target, progress)));
    }
  },
);
