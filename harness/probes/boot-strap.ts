/**
 * Getting a chip into its ROM/system bootloader and back out: a relay on the strap pin (ESP32 GPIO0,
 * STM32 BOOT0) with a power cycle, or esptool's DTR/RTS reset on ESP32 dev boards.
 */
import type { Board } from '../board.ts';
import type { BootStrapConfig } from '../config/schema.ts';
import { resolveAuto, type BoardEndpoints } from '../config/endpoints.ts';
import { TasmotaRelay } from '../power/tasmota.ts';

/** Gets the chip into its ROM loader and back out. */
export interface DownloadEntry {
  readonly description: string;
  enter(board: Board): Promise<void>;
  leave(board: Board): Promise<void>;
}

/** A relay on GPIO0: hold it, power-cycle; release it, power-cycle. */
class RelayStrap implements DownloadEntry {
  constructor(private readonly relay: TasmotaRelay) {}
  get description() {
    return `boot strap on ${this.relay.description}`;
  }
  async enter(board: Board): Promise<void> {
    await this.relay.on();
    await board.powerOffOn('reset into the ROM loader');
  }
  async leave(board: Board): Promise<void> {
    await this.relay.off();
    await board.powerCycle('back to normal boot');
  }
}

/**
 * esptool's classic reset on dev boards whose USB-UART drives EN from RTS and IO0 from DTR:
 * DTR=0 RTS=1 (EN low), 100 ms, DTR=1 RTS=0 (IO0 low, EN released), 50 ms, DTR=0.
 */
class DtrRtsStrap implements DownloadEntry {
  readonly description = "the console's DTR/RTS lines (esptool's classic reset)";
  async enter(board: Board): Promise<void> {
    await board.console.setSignals({ dtr: false, rts: true });
    await sleep(100);
    await board.console.setSignals({ dtr: true, rts: false });
    await sleep(50);
    await board.console.setSignals({ dtr: false });
  }
  async leave(board: Board): Promise<void> {
    await board.console.setSignals({ dtr: false, rts: true });
    await sleep(100);
    await board.console.setSignals({ rts: false });
  }
}

export function downloadEntry(
  strap: BootStrapConfig | undefined,
  endpoints: BoardEndpoints | undefined,
): DownloadEntry | undefined {
  if (!strap) return undefined;
  if (strap.driver === 'dtr-rts') return new DtrRtsStrap();
  const url = resolveAuto(strap.url, endpoints?.strap?.url, 'boot-strap.url');
  const credentials =
    strap.password !== undefined ? { user: strap.user ?? 'admin', password: strap.password } : undefined;
  return new RelayStrap(new TasmotaRelay(url, strap.relay ?? 1, credentials));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
