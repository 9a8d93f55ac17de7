/**
 * What a board's firmware trusts, read from the PEM files the rig names: the test CA (its key signs
 * every scenario chain and never leaves the harness) and the server key whose SPKI it pins.
 */
import { readFileSync } from 'node:fs';
import type { TrustFiles } from '../connections.ts';
import { fromPem, type Identity, type KeyPair, keyFromPem } from '../wire/x509.ts';

export interface Trust {
  host: string;
  root: Identity;
  /** Absent when the rig names no pinned key: the wrong-pin scenario is then skipped. */
  pinnedKey?: KeyPair;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

export function loadTrust(files: TrustFiles): Trust {
  const root = fromPem(read(files.caCert, 'CA certificate (tls.ca-cert)'), read(files.caKey, 'CA key (tls.ca-key)'));
  const pinnedKey = files.pinKey ? keyFromPem(read(files.pinKey, 'pinned key (tls.pin-key)')) : undefined;
  return { host: files.host, root, ...(pinnedKey ? { pinnedKey } : {}) };
}
