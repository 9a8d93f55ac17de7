#!/usr/bin/env node
// The `hil` command.
// Signals that come while the harness is still loading are held for `hil run`, which takes them over
// (and still writes its summary); other commands end on them once loaded.
const held = [];
const hold = (signal) => held.push(signal);
process.on('SIGINT', hold);
process.on('SIGTERM', hold);
globalThis.hilHeldSignals = () => {
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
  return held;
};

// Drivers and suites of your own (HIL_DRIVER_PATH, HIL_SUITE_PATH) may be TypeScript that imports the
// harness sources: then the harness runs from its sources too, through tsx, so that there is one copy
// of it in the process. Otherwise it runs compiled (bin/compile.js), and so do the suites it starts.
let fromSources = Boolean(process.env.HIL_DRIVER_PATH || process.env.HIL_SUITE_PATH || process.env.HIL_FROM_SOURCES);
if (!fromSources) {
  try {
    const { ensureCompiled } = await import('./compile.js');
    await ensureCompiled();
  } catch (error) {
    // An installation this user cannot write to still runs, at tsx's speed.
    process.stderr.write(`hil: cannot compile to build/js (${error.message}); running the sources through tsx\n`);
    fromSources = true;
  }
}
if (fromSources) {
  const { register } = await import('tsx/esm/api');
  register();
}
// `hil list | head` closes the pipe early: that ends the listing, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import(fromSources ? '../harness/cli/main.ts' : '../build/js/harness/cli/main.js');
if (process.argv[2] !== 'run' && globalThis.hilHeldSignals().length > 0) process.exit(2);
process.exitCode = await main(process.argv.slice(2));
