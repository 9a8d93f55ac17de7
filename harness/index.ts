/** The harness's public API: everything a suite may use. */
export { type ActionAnswer, Board, type BootRecord } from './board.ts';
export type { BoardProfile } from './config/load.ts';
export { HilError } from './util/errors.ts';
export { probeBootWindow } from './probes/boot-window.ts';
export { probeConsole } from './probes/console-probe.ts';
export { probeRomLoader } from './probes/rom-loader.ts';
// debug-interfaces
export { probeDebugPort } from './probes/swd-jtag.ts';
export { type CheckSpec, defineSuite, type SuiteContext } from './suite.ts';
export { ScenarioListener, type ConnectionRecord } from './tls/listener.ts';
// tls-pinning
export { buildScenarios, makeScenarioKeys, SCENARIOS } from './tls/scenarios.ts';
// brownout
export { afterTrial, stillRunning, type TrialReport } from './brownout/after-trial.ts';
export { Bench } from './brownout/bench.ts';
export { recordBaseline } from './brownout/baseline.ts';
export { cutsThroughBoot, everyWrite, sweepAcross } from './brownout/sweeps.ts';
export { isSupply } from './power/driver.ts';
export { quickCycles, sag } from './power/glitch.ts';
// default-credentials
export { BUILT_IN_DEFAULTS } from './credentials/defaults.ts';
export { loginSurfaces, peersOf } from './credentials/open.ts';
export type { Surface } from './credentials/attempt.ts';
export {
  BRUTE_FORCE_ATTEMPTS,
  bruteForceThrottled,
  noDefaultAccepted,
  peersRefused,
} from './credentials/trials.ts';
// fuzz
export { type FuzzPlan, fuzzPlan } from './fuzz/plan.ts';
export { campaignOutcome } from './fuzz/judge.ts';
export { replayReproducer, runFuzzCampaign } from './fuzz/run.ts';
// rollback
export { judgeRefusal, runningVersions, versionOf } from './update/judge.ts';
export { openUpdatePath } from './update/open.ts';
export { type Attempt, type Running, sameVersion, type UpdatePath } from './update/path.ts';
export { type Candidate, offers, readTeamImages } from './update/variants.ts';
export { probeUsb } from './usb/probe.ts';
export { fail, inconclusive, judged, type Outcome, pass, skip } from './verdict.ts';
export { legacyVersions, parseClientHello, VERSION_NAMES, weakSuites } from './wire/client-hello.ts';
