/**
 * debug-interfaces: an attacker with the board on the bench gets nothing from its debug interfaces.
 * ETSI EN 303 645 5.6-4: a physically accessible debug interface shall be disabled in software;
 * its definition names UART, SWD and JTAG. A probe that connects and reads is a failure; a probe
 * that could not show the path was live is inconclusive, never a pass.
 */
import {
  defineSuite,
  probeBootWindow,
  probeConsole,
  probeDebugPort,
  probeRomLoader,
  probeUsb,
} from '../harness/index.ts';

export default defineSuite(
  {
    name: 'debug-interfaces',
    needs: ['console', 'power', 'debug-port', 'boot-strap', 'boot-uart'],
    disturbs: 'halted through its debug port, reset into its ROM loader, probed on its console',
    checks: {
      // A bootloader console reached by pressing a key during the boot countdown is a debug interface.
      'boot-window': {
        title: 'boot: the countdown cannot be interrupted into a bootloader console',
        provisions: ['5.6-4', '5.6-1'],
      },
      // 5.6-4 debug interfaces disabled; 5.4-1 no flash or key readout (UK CoP 6 and 4).
      'swd-jtag': { title: 'SWD/JTAG: the core cannot be halted and its memory read', provisions: ['5.6-4', '5.4-1'] },
      // 5.6-2: no unauthenticated disclosure of security information on the console.
      console: {
        title: 'console: no unauthenticated shell, interpreter, memory dump or bootloader prompt',
        provisions: ['5.6-4', '5.6-2'],
      },
      'rom-loader': {
        title: 'ROM serial loader: disabled or locked (no memory reads through it)',
        provisions: ['5.6-4', '5.4-1'],
      },
      // 5.6-1: interfaces that are not needed are disabled.
      usb: {
        title: 'USB: no DFU interface and no interface the profile does not allow',
        provisions: ['5.6-1', '5.6-4'],
      },
    },
  },
  async ({ board, check }) => {
    // Keys pressed from the moment of power-on, before anything else touches the board.
    await check('boot-window', () => probeBootWindow(board));
    // Then a known state: the firmware running, at its prompt. Each probe's trouble is its own check's.
    const ready = await board.ensure('ready').catch((error: unknown) => error as Error);
    await check('swd-jtag', () => probeDebugPort(board));
    await check('console', async () => {
      if (ready instanceof Error) throw ready;
      return probeConsole(board, ready.boot);
    });
    await check('rom-loader', () => probeRomLoader(board));
    await check('usb', () => probeUsb(board));
  },
);
