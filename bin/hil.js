#!/usr/bin/env node
// The `hil` command. The harness is TypeScript run through tsx, so there is no build step.
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

const { register } = await import('tsx/esm/api');
register();
// `hil list | head` closes the pipe early: that ends the listing, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../harness/cli/main.ts');
if (process.argv[2] !== 'run' && globalThis.hilHeldSignals().length > 0) process.exit(2);
process.exitCode = await main(process.argv.slice(2));
