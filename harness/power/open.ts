/** Builds the Power driver a rig file describes. */
import type { PowerWiringConfig } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { KoradSupply, KORAD_BAUD } from './korad.ts';
import { LineLink, serialStream, tcpStream } from './line-link.ts';
import { DEFAULT_OFF_MS, type Power } from './power.ts';
import { ScpiSupply } from './scpi.ts';
import { TasmotaRelay } from './tasmota.ts';

const DEFAULT_NOMINAL = 3.3;

/** `wiring` with any `auto` already replaced by the virtual rig's endpoints. */
export async function openPower(wiring: PowerWiringConfig): Promise<Power> {
  const offMs = wiring['off-time'] !== undefined ? parseDuration(wiring['off-time']) : DEFAULT_OFF_MS;
  switch (wiring.driver) {
    case 'scpi-tcp': {
      if (typeof wiring.port !== 'number') throw new Error('scpi-tcp power needs a port number');
      const link = new LineLink(await tcpStream(wiring.host, wiring.port), `${wiring.host}:${wiring.port}`);
      return new ScpiSupply(link, wiring.channel ?? 1, wiring.nominal ?? DEFAULT_NOMINAL, offMs);
    }
    case 'scpi-serial': {
      const link = new LineLink(await serialStream(wiring.port, wiring.baud ?? 9600), wiring.port);
      return new ScpiSupply(link, wiring.channel ?? 1, wiring.nominal ?? DEFAULT_NOMINAL, offMs);
    }
    case 'korad': {
      const link = new LineLink(await serialStream(wiring.port, wiring.baud ?? KORAD_BAUD), wiring.port);
      return new KoradSupply(link, wiring.nominal ?? DEFAULT_NOMINAL, offMs);
    }
    case 'tasmota': {
      const credentials =
        wiring.password !== undefined ? { user: wiring.user ?? 'admin', password: wiring.password } : undefined;
      return new TasmotaRelay(wiring.url, wiring.relay ?? 1, credentials, offMs);
    }
  }
}
