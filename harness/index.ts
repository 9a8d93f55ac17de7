/** The harness's public API: everything a suite may use. */
export { useBoard, type SuiteContext, type CheckDetail } from './suite.ts';
export { Board, type BootRecord } from './board.ts';
export { HilError } from './errors.ts';
export type { BoardProfile } from './config/load.ts';
