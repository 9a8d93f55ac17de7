/**
 * debug-interfaces: an attacker with the board on the bench gets nothing from its debug interfaces.
 * ETSI EN 303 645 5.6-4: a physically accessible debug interface shall be disabled in software;
 * its definition names UART, SWD and JTAG. Here a probe that connects and reads is a failure.
 */
import t from 'tap';
import {
  debugPortOf,
  downloadEntry,
  findUsbDevice,
  inspectInterfaces,
  probeConsole,
  probeEspRom,
  probeStm32Loader,
  tryDebugPort,
  useBoard,
} from '../harness/index.ts';

/** 5.6-4 debug interfaces disabled; 5.6-1 unused interfaces disabled; 5.6-2 no unauthenticated disclosure; 5.4-1 secrets stored securely (UK CoP 6 and 4). */
const PROVISIONS = ['5.6-4', '5.6-1', '5.6-2', '5.4-1'];
const SWD_JTAG = 'SWD/JTAG: the core cannot be halted and read through the debug port';
const CONSOLE = 'console: no unauthenticated shell, interpreter, memory dump or bootloader prompt';
const USB = 'USB: no DFU interface and no interface the profile does not allow';
const ROM =
  'ROM serial loader: disabled or locked (ESP32 Secure Download Mode, STM32 readout protection): no memory reads';

await useBoard(t, async ({ board, check, skip, endpoints }) => {
  const { debug } = board.profile;

  // A known state first: the firmware running, at its prompt.
  const boot = board.power ? await board.powerCycle('debug-interfaces power cycle') : undefined;

  const port = debugPortOf(board.wiring, endpoints);
  if (!port) {
    skip(SWD_JTAG, 'the rig wires no debug probe or gdbserver to this board', PROVISIONS);
  } else if (debug.memory.length === 0) {
    skip(SWD_JTAG, 'the profile names no memory to try to read (debug.memory)', PROVISIONS);
  } else {
    const result = await tryDebugPort(port, debug.memory);
    check(SWD_JTAG, result.verdict === 'closed', {
      provisions: PROVISIONS,
      evidence:
        result.verdict === 'cannot-tell'
          ? { cannotTell: result.reason, ...result.evidence }
          : { verdict: result.verdict, ...result.evidence },
    });
  }

  if (boot && !boot.ready) {
    check(CONSOLE, false, {
      provisions: PROVISIONS,
      evidence: { cannotTell: 'the board did not boot to its ready line', tail: boot.lines.slice(-8) },
    });
  } else {
    const probes = await probeConsole(board, debug.consoleProbes);
    const obeyed = probes.filter((p) => p.obeyed);
    // A console that answered nothing at all proves nothing: the firmware may be hung or deaf.
    const answered = probes.filter((p) => p.response.some((line) => line.trim() && !line.endsWith(p.sent)));
    const tried = probes.map((p) => p.sent);
    if (answered.length === 0) {
      check(CONSOLE, false, {
        provisions: PROVISIONS,
        evidence: { cannotTell: 'the console answered none of the probes', tried },
      });
    } else {
      check(CONSOLE, obeyed.length === 0, {
        provisions: PROVISIONS,
        evidence: {
          obeyed: obeyed.map((p) => ({ sent: p.sent, why: p.why, obeyed: p.obeyed, response: p.response })),
          tried,
          answered: answered.length,
        },
      });
    }
  }

  const entry = downloadEntry(board.wiring['boot-strap'], endpoints);
  if (!debug.romLoader) {
    skip(ROM, 'the profile names no ROM serial loader (debug.rom-loader)', PROVISIONS);
  } else if (!entry) {
    skip(ROM, 'the rig wires no boot strap (boot-strap) to reach the ROM loader', PROVISIONS);
  } else if (debug.romLoader === 'esp32') {
    const { verdict, evidence } = await probeEspRom(board, entry);
    check(ROM, verdict === 'disabled' || verdict === 'secure', {
      provisions: PROVISIONS,
      evidence: {
        verdict,
        ...(verdict === 'cannot-tell' ? { cannotTell: 'the loader answered SYNC but not READ_REG as expected' } : {}),
        ...evidence,
      },
    });
  } else {
    const uart = board.wiring['boot-uart'];
    const path = uart?.port === 'auto' ? endpoints?.bootUart : uart?.port;
    if (!path) {
      skip(ROM, 'the rig names no boot UART (boot-uart) for the STM32 system bootloader', PROVISIONS);
    } else {
      const { verdict, evidence } = await probeStm32Loader(
        board,
        entry,
        { path, baud: uart?.baud ?? 115200 },
        debug.memory,
      );
      check(ROM, verdict === 'no-loader' || verdict === 'protected', {
        provisions: PROVISIONS,
        evidence: {
          verdict,
          ...(verdict === 'cannot-tell' ? { cannotTell: 'the bootloader answered, but not as AN3155 says' } : {}),
          ...evidence,
        },
      });
    }
  }

  const usbIdentity = board.wiring.usb;
  if (!usbIdentity) {
    skip(USB, 'the rig names no USB identity for this board (usb)', PROVISIONS);
  } else {
    const lookup = await findUsbDevice(usbIdentity);
    if ('unavailable' in lookup) {
      skip(USB, lookup.unavailable, PROVISIONS);
    } else if ('absent' in lookup) {
      check(USB, false, { provisions: PROVISIONS, evidence: { cannotTell: lookup.absent } });
    } else {
      const { interfaces, findings } = inspectInterfaces(lookup.found, debug.usbAllowed);
      check(USB, findings.length === 0, {
        provisions: PROVISIONS,
        evidence: { device: `${usbIdentity.vendor}:${usbIdentity.product}`, interfaces, findings },
      });
    }
  }
});
