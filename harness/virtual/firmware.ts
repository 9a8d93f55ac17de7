/**
 * The simulated firmware of a virtual board: a chip whose state the supply (supply-model.ts), the
 * boot strap and the console drive. Its ESP-IDF-style boot log is esp-boot.ts; the console's bytes go
 * to the ROM loader, a bootloader prompt, mcumgr frames (smp-line.ts) or a real line editor
 * (line-editor.ts) and parser, whose commands (console-commands.ts) it runs, crash output in
 * ESP-IDF's format included. A power loss ends what runs (power-loss.ts). Flaw switches make it
 * insecure in one named way each.
 */
import type { VirtualFlaw } from '../config/schema.ts';
import { SlipDecoder } from '../wire/slip.ts';
import { BootloaderPrompt } from './bootloader-prompt.ts';
import { runCommand } from './console-commands.ts';
import { type BootHost, espBoot } from './esp-boot.ts';
import * as esp from './esp-log.ts';
import { RomLoader } from './esp-rom-loader.ts';
import type { FirmwareOptions } from './firmware-options.ts';
import { type FlashWriter, SettingsStore, WRITE_MS } from './flash.ts';
import { LineEditor } from './line-editor.ts';
import { LoginDialogue, LoginGate } from './logins.ts';
import { PacedOutput } from './paced-output.ts';
import { Generations } from './power-loss.ts';
import { SmpLineReader } from './smp-line.ts';
import { supplyEffect } from './supply-model.ts';
import { SpiFlash } from './spi-flash.ts';
import { UpdateStorage } from './update-storage.ts';

const PROMPT = 'esp32> ';

/**
 * `busy`: running a command; input is dropped, as on a UART with no flow control. `download`: the ROM
 * loader. `countdown`: the boot-countdown flaw's window, in which a key stops the boot at `bootloader`.
 */
type State = 'off' | 'reset' | 'booting' | 'running' | 'busy' | 'hung' | 'download' | 'countdown' | 'bootloader';

export class VirtualFirmware {
  private state: State = 'off';
  private volts = 0;
  private readonly output: PacedOutput;
  private readonly generations: Generations;
  private readonly editor = new LineEditor();
  private uptimeBase = 0;
  private readonly settings: SettingsStore;
  private readonly session = { negativeIndex: false, tlsUsed: false };
  /** The boot strap (GPIO0) is held in the download position while true; read at reset. */
  bootStrapHeld = false;
  private rom = new SlipDecoder(4096);
  /** The chip's SPI flash as the ROM loader writes it; the application partition is the primary slot. */
  readonly flash = new SpiFlash();
  private romLoader: RomLoader | undefined;
  private bootloader = new BootloaderPrompt();
  /** mcumgr frames on the console, where the board has an SMP server. */
  private readonly smpLines: SmpLineReader | undefined;
  readonly storage: UpdateStorage | undefined;
  private readonly login: LoginDialogue | undefined;

  constructor(
    readonly name: string,
    private readonly options: FirmwareOptions,
    sink: (bytes: Buffer) => void,
  ) {
    this.output = new PacedOutput(options.baud / 10, sink);
    this.generations = new Generations(this.output);
    this.settings = new SettingsStore(options.flaws);
    if (options.login) this.login = new LoginDialogue(new LoginGate(options.login, options.flaws));
    if (options.update) {
      this.storage = new UpdateStorage(options.update, options.flaws, {
        send: (frame) => void this.output.send(frame),
        reset: () => {
          if (this.state === 'running' || this.state === 'busy') this.boot(0xc);
        },
        ...(options.tls ? { caCert: options.tls.caCert } : {}),
      });
    }
    const smp = this.storage?.smp;
    if (smp) this.smpLines = new SmpLineReader((frame) => smp.frame(frame));
  }

  /** The version the running application reports: the primary slot's, where there are slots. */
  get version(): string {
    return this.storage?.version ?? this.options.version;
  }

  get debugEnabled(): boolean {
    return this.has('jtag-open');
  }

  /** Memory as a debugger sees it; undefined where nothing is mapped. */
  readonly readMemory = esp.readMapped;

  has(flaw: VirtualFlaw): boolean {
    return this.options.flaws.includes(flaw);
  }

  /** The voltage at the board's supply pin changed. */
  supply(volts: number): void {
    const before = this.volts;
    this.volts = volts;
    const chip = this.state === 'off' || this.state === 'reset' ? this.state : 'on';
    switch (supplyEffect(chip, before, volts, !this.has('no-brownout-detector'))) {
      case 'off':
        this.stop('off');
        break;
      case 'erratic':
        // The flaw: nothing holds the chip in reset; it runs on below its rated voltage, erratically.
        void this.output.send(Buffer.from([0x0d, 0x0a, 0xfe, 0x00, 0x9c, 0x3f, 0xe1, 0x0d, 0x0a]));
        break;
      case 'brownout': {
        const generation = this.stop('reset');
        // The detector's ISR prints as the rail falls; on a fast sag only part of it gets out.
        void this.output.send(Buffer.from('\r\nBrownout detector was triggered\r\n\r\n')).then(() => {
          if (generation === this.generations.current && this.state === 'reset') this.output.drop();
        });
        break;
      }
      case 'held':
        this.state = 'reset';
        break;
      case 'power-on':
        this.boot(0x1);
        break;
      case 'released':
        this.boot(0xf);
        break;
    }
  }

  /** Called when the chip enters its system bootloader (a new session of its protocol). */
  onLoader: (() => void) | undefined;
  /** Called when the application has booted to its prompt. */
  onReady: (() => void) | undefined;

  /** True while the chip runs its ROM/system bootloader. */
  get inLoader(): boolean {
    return this.state === 'download';
  }

  /** Bytes typed at the console. */
  input(bytes: Buffer): void {
    if (this.state === 'download') {
      if (this.options.romLoader === 'esp32')
        for (const packet of this.rom.push(bytes)) {
          for (const frame of this.romLoader?.reply(packet) ?? []) void this.output.send(frame);
        }
      return;
    }
    if (this.state === 'countdown' || this.state === 'bootloader') return this.bootloaderInput(bytes);
    if (this.state !== 'running' && this.state !== 'busy') return; // a board in reset or booting reads nothing
    if (this.has('deaf-console')) return; // what the bootloader starts never reads the console
    for (const byte of bytes) {
      if (this.smpLines?.byte(byte, this.editor.empty)) continue;
      if (this.state === 'running') this.key(byte);
    }
  }

  /** A key during the countdown stops the boot at a bootloader prompt, which answers every line. */
  private bootloaderInput(bytes: Buffer): void {
    const g = this.generations.current;
    if (this.state === 'countdown') {
      this.state = 'bootloader';
      this.bootloader = new BootloaderPrompt();
      void this.generations.print(g, this.bootloader.opened).catch(() => undefined);
      return;
    }
    for (const answer of this.bootloader.input(bytes)) void this.generations.print(g, answer).catch(() => undefined);
  }

  private stop(next: State): number {
    const generation = this.generations.next();
    this.output.drop();
    this.state = next;
    this.editor.clear();
    return generation;
  }

  private boot(resetCode: number): void {
    const generation = this.generations.next();
    this.state = 'booting';
    this.editor.clear();
    this.smpLines?.clear();
    this.session.tlsUsed = false; // a power-on frees what the TLS client leaked
    this.storage?.smp?.restart();
    this.storage?.takeFlashed(this.flash);
    this.uptimeBase = Date.now();
    this.generations.run(generation, () => espBoot(this.bootHost(generation), resetCode, PROMPT));
  }

  /** The firmware as the boot script of power-on `g` sees it. */
  private bootHost(g: number): BootHost {
    const firmware = this;
    return {
      options: this.options,
      get bootStrapHeld() {
        return firmware.bootStrapHeld;
      },
      settings: this.settings,
      storage: this.storage,
      get version() {
        return firmware.version;
      },
      has: (flaw) => this.has(flaw),
      print: (text) => this.generations.print(g, text),
      sleep: (ms) => this.generations.sleep(g, ms),
      log: (level, tag, message) => this.log(level, tag, message),
      flashWriter: this.flashWriter(g),
      enterLoader: (loader) => {
        if (loader === 'esp32') {
          this.rom = new SlipDecoder(4096);
          // FLASH_END asks the ROM to run what it wrote: a software reset into the new image.
          this.romLoader = new RomLoader(
            this.options.downloadMode,
            this.flash,
            () => this.boot(0xc),
            this.has('flash-bit-flip'),
          );
        }
        this.state = 'download';
        if (loader === 'stm32') this.onLoader?.();
      },
      countdown: (open) => {
        this.state = open ? 'countdown' : 'booting';
      },
      get stoppedAtBootloader() {
        return firmware.state === 'bootloader';
      },
      panic: (cause, pc) => this.panic(g, cause, pc),
      listening: () => {
        this.state = 'running';
        this.settings.bootCompleted();
        this.onReady?.();
      },
    };
  }

  /** Flash writes in this power-on: announced, then done after a write's time unless power goes first. */
  private flashWriter(g: number): FlashWriter {
    return async (tag, text, apply) => {
      await this.generations.print(g, tag ? this.log('I', tag, text) : `${text}\r\n`);
      await this.generations.sleep(g, WRITE_MS);
      apply();
    };
  }

  private log(level: 'I' | 'W' | 'E', tag: string, message: string): string {
    return esp.espLog(level, Date.now() - this.uptimeBase, tag, message);
  }

  private async panic(g: number, cause: string, pc: string): Promise<void> {
    this.state = 'busy';
    await this.generations.print(g, esp.panicText(cause, pc));
    await this.generations.sleep(g, 50);
    this.boot(0xc);
  }

  /** A key at the running console: the line editor's; a line ended is run as a command. */
  private key(byte: number): void {
    const keyed = this.editor.key(byte, this.login?.echoes !== false);
    if (keyed === undefined) return;
    if ('echo' in keyed) {
      void this.output.send(keyed.echo);
      return;
    }
    const g = this.generations.current;
    this.state = 'busy';
    this.generations.run(g, async () => {
      await this.generations.print(g, '\r\n');
      if (this.login?.active) {
        const answer = this.login.line(keyed.enter);
        await this.generations.print(g, answer.output);
        if (!answer.done) this.state = 'running';
      } else await this.execute(g, keyed.enter);
      if (this.state === 'busy' && g === this.generations.current) {
        this.state = 'running';
        await this.generations.print(g, PROMPT);
      }
    });
  }

  private async execute(g: number, line: string): Promise<void> {
    const result = await runCommand(
      {
        flaws: this.options.flaws,
        helpForm: this.options.helpForm,
        version: this.version,
        settings: this.settings,
        write: this.flashWriter(g),
        debugOpen: this.has('debug-command') || this.settings.factoryMode,
        session: this.session,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        readMemory: (address, length) => this.readMemory(address, length),
        ...(this.storage?.otaCommands ? { ota: this.storage.otaCommands } : {}),
      },
      line,
    );
    if (!result) return;
    if ('panic' in result) return this.panic(g, result.panic.cause, result.panic.pc);
    if ('hang' in result) {
      this.state = 'hung'; // reads nothing and answers nothing until power is cut
      return;
    }
    if ('login' in result) {
      if (!this.login) return this.generations.print(g, 'Unrecognized command\r\n');
      this.state = 'running'; // the dialogue reads the next lines; no prompt until it is over
      return this.generations.print(g, this.login.start());
    }
    if ('reboot' in result) {
      await this.generations.print(g, result.reboot);
      return this.boot(0xc);
    }
    return this.generations.print(g, result.output);
  }
}
