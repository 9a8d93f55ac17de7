#!/usr/bin/env node
// Regenerates harness/wire/tls-cipher-suites.json: every TLS cipher suite id and name, from the table
// Wireshark keeps of the IANA "TLS Cipher Suites" registry (tls-parameters-4), read from Debian's
// tshark (`tshark -G values`, field tls.handshake.ciphersuite). Run it when Wireshark's table grows.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const version = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
const values = spawnSync('tshark', ['-G', 'values'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
if (values.status !== 0) throw new Error(`tshark -G values failed: ${values.stderr}`);
const suites = {};
for (const line of values.stdout.split('\n')) {
  const [kind, field, value, name] = line.split('\t');
  if (kind === 'V' && field === 'tls.handshake.ciphersuite')
    suites[`0x${Number(value).toString(16).padStart(4, '0')}`] = name;
}
const file = new URL('../harness/wire/tls-cipher-suites.json', import.meta.url);
const source = `IANA TLS Cipher Suites registry (tls-parameters-4), as tabled by ${version} (Debian tshark, tshark -G values, field tls.handshake.ciphersuite)`;
writeFileSync(file, `${JSON.stringify({ source, suites }, null, 1)}\n`);
console.log(`${Object.keys(suites).length} suites -> ${file.pathname}`);
