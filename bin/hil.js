#!/usr/bin/env node
// The `hil` command. The harness is TypeScript run through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
// `hil list | head` closes the pipe early: that ends the listing, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
