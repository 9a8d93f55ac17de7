/**
 * The rig host: the far side of the wire for every board that is not hardware. Simulated boards
 * (a rig with virtual: true) and QEMU boards (any rig), each with its console PTY and power endpoint.
 */
import { writeFileSync } from 'node:fs';
import forge from 'node-forge';
import { issue, rsaKey, spkiSha256 } from '../wire/x509.ts';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { LoadedRig } from '../config/load.ts';
import type { BoardWiringConfig } from '../config/schema.ts';
import type { BoardEndpoints, RigEndpoints } from '../config/endpoints.ts';
import { VirtualFirmware } from './firmware.ts';
import { ptyBridge } from './pty-bridge.ts';
import { lineReader, VirtualScpiSupply } from './scpi-supply.ts';
import { VirtualKorad } from './korad-supply.ts';
import { VirtualTasmota } from './tasmota-relay.ts';
import { freeLoopbackPort, QemuBoard } from './qemu-board.ts';
import { startGdbServer } from './gdb-server.ts';
import { VirtualStm32Loader } from './stm32-loader.ts';

const DEFAULT_VERSION = '1.4.2';
const DEFAULT_NOMINAL = 3.3;

export class VirtualRig {
  readonly boards = new Map<string, VirtualFirmware>();
  private readonly qemuBoards: QemuBoard[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  private constructor(
    readonly rig: LoadedRig,
    readonly stateDir: string,
  ) {}

  static async start(rig: LoadedRig, stateDir: string): Promise<{ rig: VirtualRig; endpoints: RigEndpoints }> {
    const virtualRig = new VirtualRig(rig, stateDir);
    const pidFile = join(stateDir, 'qemu.pids');
    const endpoints: RigEndpoints = { rig: rig.config.name, pid: process.pid, pidFile, boards: {} };
    try {
      for (const [name, wiring] of Object.entries(rig.config.boards)) {
        if (wiring.qemu) endpoints.boards[name] = await virtualRig.startQemuBoard(name, wiring, pidFile);
        else if (rig.config.virtual) endpoints.boards[name] = await virtualRig.startBoard(name, wiring);
      }
    } catch (error) {
      await virtualRig.close();
      throw error;
    }
    return { rig: virtualRig, endpoints };
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }

  private async startQemuBoard(name: string, wiring: BoardWiringConfig, pidFile: string): Promise<BoardEndpoints> {
    const board = new QemuBoard(name, wiring.qemu!, this.stateDir, () => {
      const pids = this.qemuBoards.map((b) => b.pid).filter((p): p is number => p !== undefined);
      writeFileSync(pidFile, pids.join('\n'));
    });
    this.qemuBoards.push(board);
    await board.prepare();
    this.closers.push(() => board.close());
    const bridge = await ptyBridge(join(this.stateDir, `${name}.tty`), (s) => board.attachPty(s));
    this.closers.push(bridge.close);
    // Power is a relay in front of the QEMU process: closed starts it, open ends it.
    const relay = new VirtualTasmota(1, (_index, closed) => board.setPower(closed));
    const port = await relay.listen();
    this.closers.push(() => relay.close());
    return {
      console: bridge.path,
      power: { url: `http://127.0.0.1:${port}` },
      qmp: board.qmpSocket,
      ...(board.gdbPort !== undefined ? { gdb: board.gdbPort } : {}),
    };
  }

  private async startBoard(name: string, wiring: BoardWiringConfig): Promise<BoardEndpoints> {
    const profile = this.rig.profiles.get(wiring.profile);
    const tls = wiring.tls ? this.trustMaterial(name) : undefined;
    let socket: Socket | undefined;
    const firmware = new VirtualFirmware(
      name,
      {
        flaws: wiring.flaws ?? [],
        version: wiring.version ?? DEFAULT_VERSION,
        baud: wiring.console?.baud ?? profile?.baud ?? 115200,
        downloadMode: wiring['download-mode'] ?? 'secure',
        romLoader: profile?.debug.romLoader ?? 'esp32',
        ...(tls ? { tls: { caCert: tls.caCert, pinSha256: tls.pinSha256 } } : {}),
      },
      (bytes) => socket?.write(bytes),
    );
    this.boards.set(name, firmware);
    this.closers.push(async () => firmware.supply(0));
    const consoleBridge = await ptyBridge(join(this.stateDir, `${name}.tty`), (s) => {
      socket = s;
      s.on('data', (bytes: Buffer) => firmware.input(bytes));
      s.on('error', () => undefined);
      s.on('close', () => {
        if (socket === s) socket = undefined;
      });
    });
    this.closers.push(consoleBridge.close);
    return {
      console: consoleBridge.path,
      power: await this.startPower(name, wiring, firmware),
      ...(wiring.debug?.gdb?.port === 'auto' ? { gdb: await this.startDebugPort(firmware) } : {}),
      ...(wiring['boot-strap'] && 'url' in wiring['boot-strap'] && wiring['boot-strap'].url === 'auto'
        ? { strap: { url: await this.startStrap(firmware) } }
        : {}),
      ...(wiring['boot-uart']?.port === 'auto'
        ? { bootUart: await this.startStm32Loader(name, firmware, wiring['rdp-level'] ?? 1) }
        : {}),
      ...(tls ? { tls: { caCert: tls.caCert, caKey: tls.caKey, pinKey: tls.pinKey } } : {}),
    };
  }

  /** The test CA and pinned server key this board's firmware was "built" with, as PEM files. */
  private trustMaterial(name: string): { caCert: string; caKey: string; pinKey: string; pinSha256: string } {
    const root = issue({ commonName: 'HIL Test Root CA', organization: 'HIL', key: rsaKey('root'), ca: {} });
    const pinned = rsaKey('pinned');
    const files = {
      caCert: join(this.stateDir, `${name}.tls-ca.pem`),
      caKey: join(this.stateDir, `${name}.tls-ca.key`),
      pinKey: join(this.stateDir, `${name}.tls-pin.key`),
    };
    writeFileSync(files.caCert, root.certPem);
    writeFileSync(files.caKey, root.keyPem, { mode: 0o600 });
    writeFileSync(files.pinKey, forge.pki.privateKeyToPem(pinned), { mode: 0o600 });
    return { ...files, pinSha256: spkiSha256(pinned) };
  }

  /** The STM32 system bootloader's UART: a PTY of its own, answering while the chip is in the loader. */
  private async startStm32Loader(name: string, firmware: VirtualFirmware, rdpLevel: 0 | 1 | 2): Promise<string> {
    let socket: Socket | undefined;
    const loader = new VirtualStm32Loader(
      () => firmware.inLoader,
      rdpLevel,
      (bytes) => socket?.write(bytes),
    );
    firmware.onLoader = () => loader.reset();
    const bridge = await ptyBridge(join(this.stateDir, `${name}.boot-uart.tty`), (s) => {
      socket = s;
      s.on('data', (chunk: Buffer) => loader.input(chunk));
      s.on('error', () => undefined);
    });
    this.closers.push(bridge.close);
    return bridge.path;
  }

  /** A relay on the board's boot strap pin (GPIO0): closed holds it in the download position. */
  private async startStrap(firmware: VirtualFirmware): Promise<string> {
    const relay = new VirtualTasmota(1, (_index, closed) => firmware.setStrap(closed));
    const port = await relay.listen();
    this.closers.push(() => relay.close());
    return `http://127.0.0.1:${port}`;
  }

  /** The probe's gdbserver on the board's JTAG pins: the core answers only where JTAG was left on. */
  private async startDebugPort(firmware: VirtualFirmware): Promise<number> {
    const port = await freeLoopbackPort();
    const server = await startGdbServer(port, firmware);
    this.closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return port;
  }

  private async startPower(
    name: string,
    wiring: BoardWiringConfig,
    firmware: VirtualFirmware,
  ): Promise<BoardEndpoints['power']> {
    const power = wiring.power;
    if (!power) {
      firmware.supply(DEFAULT_NOMINAL); // no power control wired: the board is simply on
      return undefined;
    }
    switch (power.driver) {
      case 'scpi-tcp':
      case 'scpi-serial': {
        const channel = power.channel ?? 1;
        const supply = new VirtualScpiSupply(Math.max(channel, 2), (ch, volts) => {
          if (ch === channel) firmware.supply(volts);
        });
        const serve = (s: Socket) => {
          s.on(
            'data',
            lineReader((line) => {
              for (const reply of supply.handle(line)) s.write(`${reply}\n`);
            }),
          );
          s.on('error', () => undefined);
        };
        if (power.driver === 'scpi-serial') {
          const bridge = await ptyBridge(join(this.stateDir, `${name}.supply.tty`), serve);
          this.closers.push(bridge.close);
          return { port: bridge.path };
        }
        return { port: await this.listen(serve) };
      }
      case 'korad': {
        const korad = new VirtualKorad((volts) => firmware.supply(volts));
        const bridge = await ptyBridge(join(this.stateDir, `${name}.korad.tty`), (s) => {
          s.on('data', (chunk: Buffer) => {
            const reply = korad.handle(chunk);
            if (reply) s.write(Buffer.from(reply, 'latin1'));
          });
          s.on('error', () => undefined);
        });
        this.closers.push(bridge.close);
        return { port: bridge.path };
      }
      case 'tasmota': {
        const relayIndex = power.relay ?? 1;
        const credentials =
          power.password !== undefined ? { user: power.user ?? 'admin', password: power.password } : undefined;
        const relay = new VirtualTasmota(
          Math.max(relayIndex, 1),
          (index, closed) => {
            if (index === relayIndex) firmware.supply(closed ? DEFAULT_NOMINAL : 0);
          },
          credentials,
        );
        const port = await relay.listen();
        this.closers.push(() => relay.close());
        return { url: `http://127.0.0.1:${port}` };
      }
    }
  }

  private async listen(serve: (s: Socket) => void): Promise<number> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      serve(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.closers.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('supply server has no TCP address');
    return address.port;
  }
}
