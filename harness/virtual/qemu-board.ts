/**
 * A board that is QEMU running a firmware image. The rig host keeps the board's console PTY for the
 * whole session (like a USB-UART adapter that stays plugged in while the target's power is cut);
 * QEMU's serial port connects to it as a socket client each time QEMU starts, before the CPU runs,
 * so no boot output is lost. Power is the QEMU process: on starts it, off ends it.
 *
 * The firmware file is the board's flash: the rig host copies the rig's file into its state folder
 * and QEMU starts from the copy, so a build written there (`hil flash`, `hil run --firmware`) is what
 * the next power-on runs, and the rig's own file is never touched.
 *
 * The gdbstub is the same: the rig host holds its TCP port for the whole session and forwards each
 * connection to QEMU's gdbstub on a unix socket. Were QEMU to bind the TCP port itself at each power
 * on, any other process could take the port while the board was off, and the board would not start.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { listenLoopback } from './listen.ts';
import type { QemuMachineConfig } from '../config/schema.ts';
import { decodeMessage, encodeCommand, type QmpMessage } from '../wire/qmp.ts';

const QUIT_GRACE_MS = 2000;

/** How long QEMU may take to start the machine (a loaded CI machine included). */
const START_DEADLINE_MS = 10_000;
/** The last QMP look at a starting machine may begin just before the deadline and wait this long. */
const QMP_ANSWER_MS = 1000;

/**
 * The longest a power switch can take here: a stop still under way (switches run one after the
 * other), QEMU's start and its last QMP look, the stop of a start that failed, and a second for the
 * relay's HTTP exchange. The rig host hands it to the harness with the relay's address, as the
 * relay's request deadline, so that a slow start is waited for rather than cut at 3 s.
 */
export const POWER_SWITCH_MS = QUIT_GRACE_MS + START_DEADLINE_MS + QMP_ANSWER_MS + QUIT_GRACE_MS + 1000;

export class QemuBoard {
  readonly consoleSocket: string;
  readonly qmpSocket: string;
  private readonly gdbSocket: string;
  /** The firmware file QEMU starts from: the board's flash, a copy of the rig's file. */
  readonly imageFile: string;
  private readonly rigImage: string;
  gdbPort: number | undefined;
  private gdbServer: Server | undefined;
  private process: ChildProcess | undefined;
  private consoleServer: Server | undefined;
  private qemuSide: Socket | undefined;
  private ptySide: Socket | undefined;
  private readonly log: WriteStream;
  private operations: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly config: QemuMachineConfig,
    rigDir: string,
    stateDir: string,
    private readonly onPids: () => void,
  ) {
    this.consoleSocket = join(stateDir, `${name}.console.sock`);
    this.qmpSocket = join(stateDir, `${name}.qmp.sock`);
    this.gdbSocket = join(stateDir, `${name}.gdb.sock`);
    this.rigImage = resolve(rigDir, config.loader ?? config.kernel ?? config.bios!);
    this.imageFile = join(stateDir, `${name}.firmware${extname(this.rigImage)}`);
    this.log = createWriteStream(join(stateDir, `${name}.qemu.log`), { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  /** Listen for QEMU's serial connection, and on the gdbstub's port for the session. */
  async prepare(): Promise<void> {
    copyFileSync(this.rigImage, this.imageFile);
    rmSync(this.consoleSocket, { force: true });
    this.consoleServer = createServer((socket) => {
      this.qemuSide?.destroy();
      this.qemuSide = socket;
      socket.on('data', (bytes: Buffer) => this.ptySide?.write(bytes));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (this.qemuSide === socket) this.qemuSide = undefined;
      });
    });
    await new Promise<void>((resolve) => this.consoleServer!.listen(this.consoleSocket, resolve));
    if (this.config.gdbstub) {
      this.gdbServer = createServer((client) => this.forwardGdb(client));
      this.gdbPort = await listenLoopback(this.gdbServer);
    }
  }

  /** A debugger's connection goes to QEMU's gdbstub; with the board off there is none, and it ends. */
  private forwardGdb(client: Socket): void {
    client.on('error', () => undefined);
    // Packets are small and answered one at a time: Nagle's wait on each would cost a breakpoint hit 40 ms.
    client.setNoDelay(true);
    if (this.pid === undefined) return void client.destroy();
    const stub = connect(this.gdbSocket);
    stub.on('error', () => client.destroy());
    client.on('close', () => stub.destroy());
    stub.on('close', () => client.destroy());
    client.pipe(stub);
    stub.pipe(client);
  }

  /** The PTY side of the console (socat's connection). Input while QEMU is off goes nowhere. */
  attachPty(socket: Socket): void {
    this.ptySide = socket;
    socket.on('data', (bytes: Buffer) => this.qemuSide?.write(bytes));
    socket.on('error', () => undefined);
  }

  setPower(on: boolean): Promise<void> {
    const next = () => (on ? this.start() : this.stop());
    const run = this.operations.then(next, next);
    this.operations = run.catch((error: unknown) =>
      this.log.write(`power ${on ? 'on' : 'off'} failed: ${String(error)}\n`),
    );
    return run;
  }

  async close(): Promise<void> {
    await this.setPower(false).catch(() => undefined);
    this.consoleServer?.close();
    this.gdbServer?.close();
    rmSync(this.consoleSocket, { force: true });
    await new Promise((resolve) => this.log.end(resolve));
  }

  private async start(): Promise<void> {
    if (this.pid !== undefined) return;
    rmSync(this.qmpSocket, { force: true });
    rmSync(this.gdbSocket, { force: true });
    const firmware = this.config.loader
      ? ['-device', `loader,file=${this.imageFile}`]
      : this.config.kernel
        ? ['-kernel', this.imageFile]
        : ['-bios', this.imageFile];
    const args = [
      '-M',
      this.config.machine,
      ...firmware,
      '-nographic',
      '-monitor',
      'none',
      '-chardev',
      `socket,id=console,path=${this.consoleSocket}`,
      '-serial',
      'chardev:console',
      '-qmp',
      `unix:${this.qmpSocket},server=on,wait=off`,
      // The CPU waits for `cont`: power comes on when QEMU is ready, not while it still starts (on a
      // loaded machine its start-up outlasted the micro:bit's 190 ms boot, and no cut could land in it).
      '-S',
      ...(this.gdbServer
        ? ['-chardev', `socket,id=gdb,path=${this.gdbSocket},server=on,wait=off`, '-gdb', 'chardev:gdb']
        : []),
      ...(this.config.args ?? []),
    ];
    const binary = this.config.binary ?? 'qemu-system-arm';
    this.log.write(`${new Date().toISOString()} start: ${binary} ${args.join(' ')}\n`);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.on('exit', (code, signal) => {
      this.log.write(`${new Date().toISOString()} exit: ${code ?? signal}\n`);
      this.onPids();
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('latin1')).slice(-2000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`cannot start ${binary} (${error.message}); run npm run setup`)));
    });
    this.onPids();
    await this.running(child, () => stderr);
  }

  /**
   * Power is on once QEMU runs the machine: its main loop answers QMP, which it does only after the
   * machine and firmware were set up. A QEMU that exits first (`unable to find CPU model`, `Could not
   * find ROM image`) never powered the board, and its own words are the reason.
   */
  private async running(child: ChildProcess, stderr: () => string): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(String(code ?? signal))),
    );
    let exit: string | undefined;
    void exited.then((code) => (exit = code));
    while (Date.now() < deadline) {
      if (exit !== undefined) {
        this.process = undefined;
        throw new Error(`QEMU exited (${exit}) before the machine ran: ${stderr().trim() || 'it said nothing'}`);
      }
      if (await letMachineRun(this.qmpSocket)) return;
      await Promise.race([exited, sleep(50)]);
    }
    await this.stop();
    throw new Error(`QEMU did not start the machine within ${START_DEADLINE_MS} ms: ${stderr().trim()}`);
  }

  private async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), QUIT_GRACE_MS);
    await exited;
    clearTimeout(timer);
    this.process = undefined;
  }
}

/**
 * Let the machine run, and say whether it does: QEMU answers `query-status` on its QMP socket, and a CPU
 * held by `-S` is let go with `cont`. The greeting alone is not
 * enough: QMP's monitor has its own I/O thread and greets while the machine is still being set up
 * (a QEMU that then fails on `-cpu` greeted first on a loaded machine), but commands other than
 * out-of-band ones are dispatched by the main loop, which starts only after the machine did.
 */
function letMachineRun(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        if (!line) continue;
        let message: QmpMessage;
        try {
          message = decodeMessage(line);
        } catch {
          return done(false);
        }
        if (message.kind === 'greeting') socket.write(encodeCommand('qmp_capabilities', undefined, 'caps'));
        else if (message.kind === 'return' && message.id === 'caps')
          socket.write(encodeCommand('query-status', undefined, 'status'));
        else if (message.kind === 'return' && message.id === 'status') {
          const status = (message.value as { status?: string } | undefined)?.status;
          if (status === 'running') return done(true);
          socket.write(encodeCommand('cont', undefined, 'cont'));
        } else if (message.kind === 'return' && message.id === 'cont') return done(true);
        else if (message.kind === 'error') return done(false);
      }
      if (pending.length > 65536) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.setTimeout(QMP_ANSWER_MS, () => done(false));
  });
}
