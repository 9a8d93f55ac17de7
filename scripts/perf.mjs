// npm run perf -- NAME [NAME...]: run benchmarks from perf/ (each prints `key: value` lines, the
// headline last); with no name, list them. Figures, never assertions: machines here are shared.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const available = readdirSync(new URL('../perf/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
const names = process.argv.slice(2);
if (names.length === 0) {
  console.log(`benchmarks: ${available.join(', ')}\nrun one: npm run perf -- NAME`);
  process.exit(0);
}
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`no benchmark ${name} (benchmarks: ${available.join(', ')})`);
    process.exit(2);
  }
  console.log(`# ${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `perf/${name}.ts`], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
