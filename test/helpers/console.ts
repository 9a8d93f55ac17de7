import { Console } from '../../harness/console/console.ts';
import { ConsoleLog } from '../../harness/console/log.ts';
import { SerialTransport } from '../../harness/console/serial-transport.ts';

export function consoleOn(path: string, logDir: string, crash: RegExp[] = [/Guru Meditation Error/]): Console {
  return new Console({
    board: 'test-board',
    transport: new SerialTransport({ locate: () => path, baud: 115200, description: path }),
    log: new ConsoleLog(logDir, 'console'),
    crash,
  });
}
