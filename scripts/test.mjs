#!/usr/bin/env node
// `npm test`: type-check, format and lint (Biome), then the harness's own tests with node-tap,
// then one closing line "N passed, N failed, N skipped" that any CI can read.
import { spawn, spawnSync } from 'node:child_process';

const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('typecheck failed');
  process.exit(tsc.status ?? 1);
}
const biome = spawnSync('npx', ['biome', 'ci', '.'], { stdio: 'inherit' });
if (biome.status !== 0) {
  console.log('format or lint check failed (npm run format fixes formatting)');
  process.exit(biome.status ?? 1);
}

// Compiled before the tests, which start `hil` many at a time: each would otherwise compile it too.
const { ensureCompiled } = await import('../bin/compile.js');
await ensureCompiled();

const tap = spawn('npx', ['tap', '--reporter=tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
let last = '';
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  last = (last + chunk.toString()).slice(-4096);
});
tap.on('close', (code) => {
  // tap's final comment: "# { total: 90, pass: 88, fail: 1, skip: 1 }"
  const totals = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?/.exec(last);
  if (totals) console.log(`${totals[2] ?? 0} passed, ${totals[3] ?? 0} failed, ${totals[4] ?? 0} skipped`);
  process.exit(code ?? 1);
});
