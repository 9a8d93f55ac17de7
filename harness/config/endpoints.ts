/**
 * Where a running virtual rig put its devices: written by the virtual rig process, read by the
 * harness to fill in every `auto` in the rig file. This JSON is the only thing the two share.
 */
import { readFileSync } from 'node:fs';

export interface BoardEndpoints {
  console: string;
  /**
   * The values standing in for "auto" in the board's power wiring (`{ port: 40123 }`), from its
   * driver's twin; for a QEMU board, its relay's `url` and `timeout` (how long a switch may take).
   */
  power?: Record<string, unknown>;
  /** QEMU boards: the QMP socket and, when enabled, the gdbstub's loopback TCP port. */
  qmp?: string;
  gdb?: number;
  /** QEMU boards: the firmware file QEMU starts from (the board's flash: what is written there boots next). */
  image?: string;
  /** Virtual boards: the same for the boot strap's relay. */
  bootStrap?: Record<string, unknown>;
  /** Virtual boards: the STM32 system bootloader's UART. */
  bootUart?: string;
  /** Virtual boards: the trust material the simulated firmware was built with (PEM files). */
  tls?: { caCert: string; caKey: string; pinKey: string };
  /** Virtual boards: the images its MCUboot slots were built from, and their signing key. */
  update?: { current: string; older: string; newer: string; key: string };
  /** Virtual boards: its web UI's login page, a URL behind HTTP Digest, its telnet-style login port. */
  credentials?: { web: string; httpAuth: string; tcp: number };
}

export interface RigEndpoints {
  rig: string;
  pid: number;
  /** A file listing the pids of QEMU processes the host started, so they can be reaped if it dies. */
  pidFile?: string;
  boards: Record<string, BoardEndpoints>;
}

export function readEndpoints(file: string): RigEndpoints {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as RigEndpoints;
  if (typeof parsed.rig !== 'string' || typeof parsed.boards !== 'object') {
    throw new Error(`${file} is not a virtual rig endpoints file`);
  }
  return parsed;
}

/** An endpoint the rig host must have given; `what` names it in the error (e.g. "virtual-legacy power"). */
export function hostEndpoint<T>(endpoint: T | undefined, what: string): T {
  if (endpoint === undefined)
    throw new Error(`${what}: the rig host gave no such endpoint (is it running for this rig?)`);
  return endpoint;
}
