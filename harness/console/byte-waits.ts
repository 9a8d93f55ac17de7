/**
 * Waits on a console's raw bytes, below its lines: for the board to go quiet, and for an exact byte
 * sequence (a binary protocol's frame, a prompt with no newline). Console's methods of the same
 * names are these on its transport.
 */
import { deadlineTimer } from '../util/deadline.ts';
import { escapeBytes } from './escape.ts';
import type { ByteTransport } from './transport.ts';

/** How far back expectBytes looks in a stream that has not matched yet. */
const RAW_WINDOW_BYTES = 64 * 1024;

/** Resolves true once nothing came for `quietMs`; false at `timeoutMs`, or when `signal` calls it off. */
export function waitQuiet(
  transport: ByteTransport,
  quietMs: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout;
    const finish = (wentQuiet: boolean) => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      transport.off('data', restart);
      signal?.removeEventListener('abort', calledOff);
      resolve(wentQuiet);
    };
    const calledOff = () => finish(false);
    const restart = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(true), quietMs);
    };
    const deadline = setTimeout(() => finish(false), timeoutMs);
    transport.on('data', restart);
    signal?.addEventListener('abort', calledOff);
    if (signal?.aborted) finish(false);
    else restart();
  });
}

/**
 * Everything received up to and including `needle` (the newest 64 KiB at most), among the bytes that
 * arrive after this call; at the deadline, the error `failure` makes of what was expected and seen.
 */
export function expectBytes(
  transport: ByteTransport,
  needle: Buffer,
  timeoutMs: number,
  failure: (expected: string, seen: string) => Error,
): Promise<Buffer> {
  if (needle.length === 0 || needle.length > RAW_WINDOW_BYTES)
    throw new Error('expectBytes needs 1 to 65536 bytes to look for');
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const at = seen.indexOf(needle);
      if (at !== -1) return finish(seen.subarray(0, at + needle.length));
      if (seen.length > RAW_WINDOW_BYTES) seen = seen.subarray(-RAW_WINDOW_BYTES);
    };
    const timer = deadlineTimer(timeoutMs, () => {
      finish(
        failure(
          `the bytes ${escapeBytes(needle)} within ${timeoutMs} ms`,
          seen.length ? `${seen.length} bytes, ending ${escapeBytes(seen.subarray(-80))}` : 'no bytes',
        ),
      );
    });
    const finish = (outcome: Buffer | Error) => {
      timer.clear();
      transport.off('data', onData);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    transport.on('data', onData);
  });
}
