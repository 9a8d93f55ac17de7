/**
 * A relay as a boot strap: closed, it pulls the strap pin (ESP32 GPIO0, STM32 BOOT0) so the reset
 * that follows lands in the ROM loader; open again, the next reset boots the application.
 */
import type { BootStrap, PowerCycling, Relay } from './driver.ts';

export class RelayBootStrap implements BootStrap {
  constructor(private readonly relay: Relay) {}

  get description(): string {
    return `boot strap on ${this.relay.description}`;
  }

  async enter(board: PowerCycling): Promise<void> {
    await this.relay.on();
    await board.powerOffOn('reset into the ROM loader');
  }

  async leave(board: PowerCycling): Promise<void> {
    await this.relay.off();
    await board.powerCycle('back to normal boot');
  }

  rest(): Promise<void> {
    return this.relay.off();
  }

  close(): Promise<void> {
    return this.relay.close();
  }
}
