/**
 * Starts OpenOCD (argument array, never a shell string) to reach a board's SWD/JTAG port, and reads
 * its stderr: either it serves GDB on a port, or it says why it could not reach the core. The latter
 * splits two ways: the target refused (what a locked chip looks like: evidence for the check) or
 * the probe itself was not found (a rig problem: no evidence either way).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { stopChild } from '../util/child.ts';

const START_DEADLINE_MS = 15_000;
const MAX_STDERR = 64 * 1024;

/** OpenOCD's words when the probe works but the target will not let it in (REFERENCE.md 3.1). */
const TARGET_REFUSED = [
  /Error connecting DP: cannot read IDR/,
  /JTAG scan chain interrogation failed/,
  /IR capture error/,
  /Invalid ACK \(\d+\) in DAP response/,
  /DP initialisation failed/,
  /Examination failed/,
  /init mode failed \(unable to connect to the target\)/,
  /Device Security Bit Set/,
  /RDP level [12]/,
  /stm32x device protected/,
];
/** ...and when it could not find or open the probe. */
const PROBE_MISSING = [
  /unable to find/i,
  /No J-Link device found/,
  /couldn't open/i,
  /No device found/i,
  /LIBUSB_ERROR/,
  /Error: open failed/,
  /can't find/i,
];

export type OpenOcdOutcome =
  | { kind: 'serving'; port: number; stderr: string; stop: () => Promise<void> }
  | { kind: 'target-refused'; signs: string[]; stderr: string }
  | { kind: 'probe-missing'; signs: string[]; stderr: string }
  | { kind: 'failed'; stderr: string };

export async function startOpenOcd(
  args: string[],
  options: { binary?: string; gdbPort?: number } = {},
): Promise<OpenOcdOutcome> {
  const port = options.gdbPort ?? 3333;
  const child: ChildProcess = spawn(
    options.binary ?? 'openocd',
    [...args, '-c', `gdb_port ${port}`, '-c', 'tcl_port disabled', '-c', 'telnet_port disabled'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const collect = (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString('latin1');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const stop = () => stopChild(child);
  const outcome = await new Promise<'listening' | 'exited' | 'deadline' | Error>((resolve) => {
    const timer = setTimeout(() => resolve('deadline'), START_DEADLINE_MS);
    const watch = () => {
      if (/Listening on port \d+ for gdb connections/.test(stderr)) {
        clearTimeout(timer);
        resolve('listening');
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve('exited');
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
  if (outcome instanceof Error) return { kind: 'failed', stderr: `cannot start OpenOCD: ${outcome.message}` };
  if (outcome === 'listening') return { kind: 'serving', port, stderr, stop };
  await stop();
  const why = unreachedWhy(stderr);
  if (why) return { ...why, stderr };
  return {
    kind: 'failed',
    stderr: outcome === 'deadline' ? `${stderr}\n(no gdb port within ${START_DEADLINE_MS} ms)` : stderr,
  };
}

/** Why OpenOCD could not reach the core, by its own words: the target refused, or the probe was not found. */
export function unreachedWhy(
  stderr: string,
): { kind: 'target-refused' | 'probe-missing'; signs: string[] } | undefined {
  const refused = TARGET_REFUSED.filter((p) => p.test(stderr)).map(String);
  if (refused.length > 0) return { kind: 'target-refused', signs: refused };
  const missing = PROBE_MISSING.filter((p) => p.test(stderr)).map(String);
  if (missing.length > 0) return { kind: 'probe-missing', signs: missing };
  return undefined;
}

/**
 * Signs that the probe is electrically on the board: a target voltage (ST-Link `Target voltage:
 * 3.24`, J-Link `VTarget = 3.300V`) above 1 V, or an identity read from the chip (a JTAG IDCODE, an
 * SWD DPIDR). Without one, "cannot read IDR" is what an unplugged cable says too.
 */
export function targetPresence(stderr: string): string[] {
  const signs: string[] = [];
  for (const m of stderr.matchAll(/(?:Target voltage:\s*|VTarget\s*=\s*)(\d+(?:\.\d+)?)\s*V?/gi)) {
    if (Number(m[1]) >= 1) signs.push(m[0].trim());
  }
  for (const m of stderr.matchAll(/(?:tap\/device found: 0x[0-9a-f]{8}|SWD DPIDR 0x[0-9a-f]{8})/gi)) {
    if (!/0x0{8}|0xf{8}/i.test(m[0])) signs.push(m[0]);
  }
  return signs;
}

/** Lock state OpenOCD reported while serving, recorded as evidence. */
export function lockSigns(stderr: string): string[] {
  return TARGET_REFUSED.filter((p) => p.test(stderr)).map((p) => stderr.match(p)![0]);
}
