/**
 * The virtual board's TLS client: build/hil_tlsclient (Mbed TLS, built by `npm run setup` from
 * tls-client/hil_tlsclient.c), run with the flags for the board's TLS flaws. The board's DNS points
 * every name at the harness, so it connects to loopback and names the host it was asked for.
 */
import { spawn } from 'node:child_process';
import type { VirtualFlaw } from '../config/schema.ts';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../util/root.ts';

export const TLS_CLIENT = join(PROJECT_ROOT, 'build', 'hil_tlsclient');
const TLS_DEADLINE_MS = 15_000;
/** Flaw switch -> the client's flag for the same mistake. */
const TLS_FLAWS: Partial<Record<VirtualFlaw, string>> = {
  'tls-no-verify': 'verify-none',
  'tls-verify-ignored': 'verify-optional',
  'tls-no-hostname': 'no-hostname',
  'tls-no-pin': 'no-pin',
  'tls-expiry-ignored': 'ignore-expiry',
  'tls-legacy-versions': 'legacy-versions',
};

/** What the client printed (its verdict on the server, or why it could not run). */
export function runTlsClient(
  host: string,
  port: number,
  trust: { caCert: string; pinSha256: string },
  flaws: readonly VirtualFlaw[],
): Promise<string> {
  const flags = flaws.map((f) => TLS_FLAWS[f]).filter((f): f is string => f !== undefined);
  return new Promise<string>((resolve) => {
    const child = spawn(TLS_CLIENT, ['127.0.0.1', String(port), host, trust.caCert, trust.pinSha256, ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TLS_DEADLINE_MS);
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', (error) => resolve(`tls: client not available (${error.message}); run npm run setup`));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(text.trim() || 'tls: client ended without a word');
    });
  });
}
