/**
 * The rig host: the far side of the wire for every board that is not hardware. Simulated boards
 * (a rig with virtual: true) and QEMU boards (any rig), each with its console PTY and power endpoint.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { issue, type KeyPair, spkiSha256 } from '../wire/x509.ts';
import { keptRsaKeys } from './kept-keys.ts';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { LoadedRig } from '../config/load.ts';
import type { BoardWiringConfig, VirtualFlaw } from '../config/schema.ts';
import type { BoardEndpoints, RigEndpoints } from '../config/endpoints.ts';
import { VirtualFirmware } from './firmware.ts';
import { virtualMac } from './esp-log.ts';
import { LoginGate, serveTelnetLogin, startWebUi } from './logins.ts';
import { mintUpdateImages } from './update-images.ts';
import { ptyBridge } from './pty-bridge.ts';
import type { TwinCatalog, TwinHost } from './twin.ts';
import { POWER_SWITCH_MS, QemuBoard } from './qemu-board.ts';
import { listenLoopback } from './listen.ts';
import { type DebugTarget, startGdbServer } from './gdb-server.ts';
import { Stm32Flash } from './stm32-flash.ts';
import { stm32DebugTarget, VirtualStm32Loader } from './stm32-loader.ts';

const DEFAULT_VERSION = '1.4.2';
const DEFAULT_NOMINAL = 3.3;

/** How long the rig host waits for a board that is simply on to finish booting. */
const SIMPLY_ON_BOOT_MS = 3000;

export class RigHost {
  readonly boards = new Map<string, VirtualFirmware>();
  private readonly qemuBoards: QemuBoard[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  /** The kept CA and pinned keys, when a board has tls. */
  private tlsKeys?: Record<'root' | 'pinned', KeyPair>;

  private constructor(
    readonly rig: LoadedRig,
    readonly stateDir: string,
    private readonly twins: TwinCatalog,
  ) {}

  static async start(
    rig: LoadedRig,
    stateDir: string,
    twins: TwinCatalog,
  ): Promise<{ rig: RigHost; endpoints: RigEndpoints }> {
    const host = new RigHost(rig, stateDir, twins);
    const pidFile = join(stateDir, 'qemu.pids');
    const endpoints: RigEndpoints = { rig: rig.config.name, pid: process.pid, pidFile, boards: {} };
    try {
      const boards = Object.entries(rig.config.boards);
      if (boards.some(([, wiring]) => wiring.tls)) host.tlsKeys = await keptRsaKeys(['root', 'pinned']);
      // Boards start side by side (each waits on its own PTY bridge); endpoints keep the rig's order.
      const started = await Promise.allSettled(
        boards.map(([name, wiring]) =>
          wiring.qemu
            ? host.startQemuBoard(name, wiring, pidFile)
            : rig.config.virtual
              ? host.startBoard(name, wiring)
              : undefined,
        ),
      );
      started.forEach((outcome, i) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        if (outcome.value) endpoints.boards[boards[i]![0]] = outcome.value;
      });
    } catch (error) {
      await host.close();
      throw error;
    }
    return { rig: host, endpoints };
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }

  private async startQemuBoard(name: string, wiring: BoardWiringConfig, pidFile: string): Promise<BoardEndpoints> {
    // A firmware file named relative to the rig file, as the rig's other paths are.
    const board = new QemuBoard(name, wiring.qemu!, dirname(resolve(this.rig.file)), this.stateDir, () => {
      const pids = this.qemuBoards.map((b) => b.pid).filter((p): p is number => p !== undefined);
      writeFileSync(pidFile, pids.join('\n'));
    });
    this.qemuBoards.push(board);
    await board.prepare();
    this.closers.push(() => board.close());
    const bridge = await ptyBridge(join(this.stateDir, `${name}.tty`), (s) => board.attachPty(s));
    this.closers.push(bridge.close);
    // Power is a relay in front of the QEMU process: closed starts it, open ends it.
    const relay = await this.relayTwin('tasmota', name, { driver: 'tasmota' }, (closed) => board.setPower(closed));
    return {
      console: bridge.path,
      power: { ...relay, timeout: POWER_SWITCH_MS },
      qmp: board.qmpSocket,
      image: board.imageFile,
      ...(board.gdbPort !== undefined ? { gdb: board.gdbPort } : {}),
    };
  }

  private async startBoard(name: string, wiring: BoardWiringConfig): Promise<BoardEndpoints> {
    const profile = this.rig.profiles.get(wiring.profile);
    const tls = wiring.tls && this.tlsKeys ? await this.trustMaterial(name, this.tlsKeys) : undefined;
    const rollback = wiring.rollback;
    const update = rollback
      ? mintUpdateImages(this.stateDir, name, wiring.version ?? DEFAULT_VERSION, {
          path: rollback.path,
          mcumgr: wiring.mcumgr ?? 'ideal',
          ...(rollback['slot-size'] ? { slotBytes: rollback['slot-size'] } : {}),
        })
      : undefined;
    const disconnected = wiring.disconnected ?? [];
    const own = { user: wiring.credentials?.user, password: wiring.credentials?.password };
    const rdpLevel = wiring['rdp-level'] ?? 1;
    let socket: Socket | undefined;
    const firmware = new VirtualFirmware(
      name,
      {
        flaws: wiring.flaws ?? [],
        helpForm: wiring['help-form'] ?? 'plain',
        version: wiring.version ?? DEFAULT_VERSION,
        baud: wiring.console?.baud ?? profile?.console.baud ?? 115200,
        downloadMode: wiring['download-mode'] ?? 'secure',
        romLoader: profile?.debug.romLoader ?? 'esp32',
        rdpLevel,
        ...(tls ? { tls: { caCert: tls.caCert, pinSha256: tls.pinSha256 } } : {}),
        ...(update ? { update: update.update } : {}),
        login: own,
        mac: virtualMac(name),
      },
      (bytes) => socket?.write(bytes),
    );
    this.boards.set(name, firmware);
    // An STM32 board's flash (1 MiB, made when first wanted), which its system bootloader writes and its debug port reads.
    let stm32Flash: Stm32Flash | undefined;
    const stm32FlashOf = () => (stm32Flash ??= new Stm32Flash());
    this.closers.push(async () => firmware.supply(0));
    const consoleBridge = await ptyBridge(join(this.stateDir, `${name}.tty`), (s) => {
      socket = s;
      // Disconnected, the adapter's TX reaches no pin: the board's output still comes, nothing typed reaches it.
      if (!disconnected.includes('console-rx')) s.on('data', (bytes: Buffer) => firmware.input(bytes));
      s.on('error', () => undefined);
      s.on('close', () => {
        if (socket === s) socket = undefined;
      });
    });
    this.closers.push(consoleBridge.close);
    return {
      console: consoleBridge.path,
      power: await this.startPower(name, wiring, firmware),
      ...(wiring.debug?.gdb?.port === 'auto'
        ? {
            gdb: await this.startDebugPort(
              profile?.debug.romLoader === 'stm32' ? stm32DebugTarget(rdpLevel, stm32FlashOf()) : firmware,
              disconnected.includes('debug'),
            ),
          }
        : {}),
      ...(wiring['boot-strap'] && wiring['boot-strap'].driver !== 'dtr-rts'
        ? {
            bootStrap: await this.startBootStrap(
              name,
              wiring['boot-strap'],
              firmware,
              disconnected.includes('boot-strap'),
            ),
          }
        : {}),
      ...(wiring['boot-uart']?.port === 'auto'
        ? {
            bootUart: await this.startStm32Loader(
              name,
              { firmware, flash: stm32FlashOf() },
              rdpLevel,
              disconnected.includes('boot-uart'),
            ),
          }
        : {}),
      ...(tls ? { tls: { caCert: tls.caCert, caKey: tls.caKey, pinKey: tls.pinKey } } : {}),
      ...(update ? { update: update.files } : {}),
      ...(wiring.credentials ? { credentials: await this.startLogins(own, wiring.flaws ?? []) } : {}),
    };
  }

  /** The board's web UI and telnet-style login, each with its own gate (the console's is the firmware's). */
  private async startLogins(own: { user?: string; password?: string }, flaws: readonly VirtualFlaw[]) {
    const web = await startWebUi(new LoginGate(own, flaws), new LoginGate(own, flaws));
    this.closers.push(web.close);
    const tcp = await this.listen(serveTelnetLogin(new LoginGate(own, flaws)));
    const base = `http://127.0.0.1:${web.port}`;
    return { web: `${base}/`, httpAuth: `${base}/cgi-bin/status`, tcp };
  }

  /** The test CA and pinned server key this board's firmware was "built" with, as PEM files. */
  private async trustMaterial(name: string, { root: caKey, pinned }: Record<'root' | 'pinned', KeyPair>) {
    const root = await issue({ commonName: 'HIL Test Root CA', organization: 'HIL', key: caKey, ca: {} });
    const files = {
      caCert: join(this.stateDir, `${name}.tls-ca.pem`),
      caKey: join(this.stateDir, `${name}.tls-ca.key`),
      pinKey: join(this.stateDir, `${name}.tls-pin.key`),
    };
    writeFileSync(files.caCert, root.certPem);
    writeFileSync(files.caKey, root.keyPem, { mode: 0o600 });
    writeFileSync(files.pinKey, pinned.pem, { mode: 0o600 });
    return { ...files, pinSha256: spkiSha256(pinned) };
  }

  /**
   * The STM32 system bootloader's UART: a PTY of its own, answering while the chip is in the loader.
   * Disconnected, the PTY is there but its wire does not reach the chip: nothing answers.
   */
  private async startStm32Loader(
    name: string,
    { firmware, flash }: { firmware: VirtualFirmware; flash: Stm32Flash },
    rdpLevel: 0 | 1 | 2,
    disconnected: boolean,
  ): Promise<string> {
    let socket: Socket | undefined;
    const loader = new VirtualStm32Loader(
      () => firmware.inLoader,
      rdpLevel,
      (bytes) => socket?.write(bytes),
      flash,
    );
    firmware.onLoader = () => loader.reset();
    const bridge = await ptyBridge(join(this.stateDir, `${name}.boot-uart.tty`), (s) => {
      s.on('error', () => undefined);
      if (disconnected) return;
      socket = s;
      s.on('data', (chunk: Buffer) => loader.input(chunk));
    });
    this.closers.push(bridge.close);
    return bridge.path;
  }

  /** A relay on the board's boot strap pin (GPIO0, BOOT0): closed holds it. Disconnected, it switches nothing. */
  private async startBootStrap(
    name: string,
    bootStrap: Record<string, unknown> & { driver: string },
    firmware: VirtualFirmware,
    disconnected: boolean,
  ): Promise<Record<string, unknown>> {
    return this.relayTwin(bootStrap.driver, name, bootStrap, (closed) => {
      if (!disconnected) firmware.bootStrapHeld = closed;
    });
  }

  /**
   * The probe's gdbserver on the board's JTAG pins: the core answers only where JTAG was left on (on an
   * STM32 part, at readout protection level 0).
   * Disconnected, the probe is on the host but not on the board: there is no target behind the server.
   */
  private async startDebugPort(target: DebugTarget, disconnected: boolean): Promise<number> {
    const server = await startGdbServer(disconnected ? undefined : target);
    this.closers.push(server.close);
    return server.port;
  }

  /** Power through the driver's twin: a relay switches the nominal voltage, a supply sets it. */
  private async startPower(
    name: string,
    wiring: BoardWiringConfig,
    firmware: VirtualFirmware,
  ): Promise<BoardEndpoints['power']> {
    const power = wiring.power;
    if (!power) {
      // No power control wired: the board is simply on, as it was long before the run, so its boot is
      // over before the rig is ready (a board whose boot never ends is waited for a while).
      const booted = new Promise<void>((resolve) => (firmware.onReady = resolve));
      firmware.supply(DEFAULT_NOMINAL);
      await Promise.race([booted, sleep(SIMPLY_ON_BOOT_MS)]);
      firmware.onReady = undefined;
      return undefined;
    }
    const supply = this.twins.supply(power.driver);
    if (supply) return supply(power, this.host(name), (volts) => firmware.supply(volts));
    return this.relayTwin(power.driver, name, power, (closed) => firmware.supply(closed ? DEFAULT_NOMINAL : 0));
  }

  private async relayTwin(
    driver: string,
    name: string,
    config: Record<string, unknown>,
    contact: (closed: boolean) => void | Promise<void>,
  ): Promise<Record<string, unknown>> {
    const twin = this.twins.relay(driver);
    if (!twin) throw new Error(`boards.${name}: driver "${driver}" has no virtual twin; give a real address`);
    return twin(config, this.host(name), contact);
  }

  /** Where a board's twins serve their protocols: loopback TCP, or PTYs in the state folder. */
  private host(board: string): TwinHost {
    return {
      tcp: (serve) => this.listen(serve),
      pty: async (device, serve) => {
        const bridge = await ptyBridge(join(this.stateDir, `${board}.${device}.tty`), serve);
        this.closers.push(bridge.close);
        return bridge.path;
      },
      onClose: (close) => this.closers.push(close),
    };
  }

  private async listen(serve: (s: Socket) => void): Promise<number> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      serve(s);
    });
    const port = await listenLoopback(server);
    this.closers.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return port;
  }
}
