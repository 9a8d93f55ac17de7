/**
 * Settings for the child processes a test starts (hil run, the rig host, suites):
 * - tap's coverage hook reaches every child, and tsx-compiled code garbles the report, so the
 *   children's hook is told to record no files (it reads the variable as a process starts);
 * - board locks go to a folder of this test's own, so a test run does not wait on (or refuse
 *   because of) another test run on the same machine using the same rig names;
 * - runs print no PDF (a Chromium each): the report tests ask for it where they check it;
 * - a MaxListenersExceededWarning (a listener leak) ends whichever process it happens in.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env._TAPJS_PROCESSINFO_COV_EXCLUDE_ = '/.*/';
process.env.HIL_LOCK_DIR = mkdtempSync(join(tmpdir(), 'hil-test-locks-'));
process.env.HIL_NO_PDF = '1';
const leaks = new URL('./leak-warnings.mjs', import.meta.url).href;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${leaks}`.trim();
await import(leaks);
