import { Console } from '../../harness/console/console.ts';
import { ConsoleLog } from '../../harness/console/log.ts';
import { SerialTransport } from '../../harness/console/serial-transport.ts';
import type { ByteTransport } from '../../harness/console/transport.ts';
import { ptyDevice, type PtyDevice } from './pty-device.ts';

export function consoleOn(path: string, logDir: string, crash: RegExp[] = [/Guru Meditation Error/]): Console {
  return consoleOver(new SerialTransport({ locate: () => path, baud: 115200, description: path }), logDir, crash);
}

/** A console as a board has it, over any transport, logging into `logDir`. */
export function consoleOver(
  transport: ByteTransport,
  logDir: string,
  crash: RegExp[] = [/Guru Meditation Error/],
): Console {
  return new Console({ board: 'test-board', transport, log: new ConsoleLog(logDir, 'console'), crash });
}

/** A console on a fresh PTY device in the test's folder, both closed when the test ends. */
export async function openConsole(t: {
  testdir(): string;
  teardown(fn: () => unknown): void;
}): Promise<{ dir: string; device: PtyDevice; console: Console }> {
  const dir = t.testdir();
  const device = await ptyDevice(dir);
  const console = consoleOn(device.path, dir);
  t.teardown(async () => {
    await console.close();
    await device.close();
  });
  await console.open();
  return { dir, device, console };
}
