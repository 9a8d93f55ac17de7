/**
 * How long minting every tls-pinning scenario takes: keys (Node's native RSA), certificates
 * (@peculiar/x509 for the structure, Node's WebCrypto for the signatures). Target: under 1 s for a run.
 * Run: node --import tsx perf/pki-mint.ts
 */
import { performance } from 'node:perf_hooks';
import { rsaKey } from '../harness/tls/keys.ts';
import { issue } from '../harness/wire/x509.ts';
import { buildScenarios } from '../harness/tls/scenarios.ts';

const started = performance.now();
const root = await issue({ commonName: 'HIL Test Root CA', organization: 'HIL', key: rsaKey('root'), ca: {} });
const pinnedKey = rsaKey('pinned');
const afterRoot = performance.now();
const scenarios = await buildScenarios({ root, pinnedKey, host: 'device.hil.test' });
const cold = performance.now();
const runs = 5;
for (let i = 0; i < runs; i++) await buildScenarios({ root, pinnedKey, host: 'device.hil.test' });
const warm = (performance.now() - cold) / runs;

console.log(`scenarios: ${scenarios.length}`);
console.log(`root CA and pinned key: ${(afterRoot - started).toFixed(0)} ms`);
console.log(`first mint of every scenario (keys generated): ${(cold - afterRoot).toFixed(0)} ms`);
console.log(`total for a run: ${(cold - started).toFixed(0)} ms (target < 1000 ms)`);
console.log(`re-mint with cached keys: ${warm.toFixed(0)} ms`);
