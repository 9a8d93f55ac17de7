/**
 * esptool's classic reset on ESP32 dev boards whose USB-UART drives EN from RTS and IO0 from DTR:
 *
 *   boot-strap: { driver: dtr-rts }
 *
 * Into the ROM loader: DTR=0 RTS=1 (EN low), 100 ms, DTR=1 RTS=0 (IO0 low, EN released), 50 ms,
 * DTR=0 (REFERENCE.md 2.2). Out: EN low for 100 ms with IO0 high. At rest both lines are released.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { bootStrapDriver } from '../driver.ts';

export default bootStrapDriver({
  name: 'dtr-rts',
  description: "the console's DTR and RTS lines wired to IO0 and EN, as on ESP32 dev boards (esptool's reset)",
  fields: {},
  open: (_config, { console }) => ({
    description: "the console's DTR/RTS lines (esptool's classic reset)",
    enter: async () => {
      await console.setSignals({ dtr: false, rts: true });
      await sleep(100);
      await console.setSignals({ dtr: true, rts: false });
      await sleep(50);
      await console.setSignals({ dtr: false });
    },
    leave: async () => {
      await console.setSignals({ dtr: false, rts: true });
      await sleep(100);
      await console.setSignals({ rts: false });
    },
    rest: () => console.setSignals({ dtr: false, rts: false }),
    // The lines belong to the console, which the board closes.
    close: async () => undefined,
  }),
});
