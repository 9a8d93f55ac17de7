/**
 * What a QEMU board offers beyond power: reset, halt and resume the CPU, and read where it is
 * (QMP on the socket the rig host gives). A fresh QMP connection per operation, because every
 * power-on is a new QEMU process.
 */
import { armProgramCounter } from '../wire/qmp.ts';
import { QmpClient } from './qmp-client.ts';

export class QemuControl {
  constructor(readonly qmpSocket: string) {}

  reset(): Promise<void> {
    return this.run(async (qmp) => void (await qmp.execute('system_reset')));
  }

  /** Stop the CPU: to the console the board is hung. */
  halt(): Promise<void> {
    return this.run(async (qmp) => void (await qmp.execute('stop')));
  }

  resume(): Promise<void> {
    return this.run(async (qmp) => void (await qmp.execute('cont')));
  }

  /** QEMU's run state: running, paused, shutdown, internal-error ... */
  status(): Promise<string> {
    return this.run(async (qmp) => String(((await qmp.execute('query-status')) as { status?: string }).status));
  }

  /** Where the CPU is. QMP has no register command of its own; this is HMP `info registers` through QMP. */
  programCounter(): Promise<number | undefined> {
    return this.run(async (qmp) => armProgramCounter(await qmp.humanMonitor('info registers')));
  }

  private async run<T>(work: (qmp: QmpClient) => Promise<T>): Promise<T> {
    const qmp = await QmpClient.connect(this.qmpSocket);
    try {
      return await work(qmp);
    } finally {
      qmp.close();
    }
  }
}
