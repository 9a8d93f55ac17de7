/**
 * The simulated firmware of a virtual board: an ESP-IDF-style boot log, a console with a real
 * line editor and parser, crash output in ESP-IDF's format, and a supply-voltage model
 * (below BROWN_OUT_VOLTS the brown-out detector holds it in reset; below OFF_VOLTS it is off).
 * Flaw switches make it insecure in one named way each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HelpForm, VirtualFlaw } from '../config/schema.ts';
import { SlipDecoder } from '../wire/slip.ts';
import { BootloaderPrompt } from './bootloader-prompt.ts';
import { romReply } from './esp-rom-loader.ts';
import { PacedOutput } from './paced-output.ts';
import { runCommand } from './console-commands.ts';
import * as esp from './esp-log.ts';
import { type FlashWriter, SettingsStore, WRITE_MS } from './flash.ts';
import { LoginDialogue, LoginGate } from './logins.ts';
import { type UpdateOptions, UpdateStorage } from './update-storage.ts';

export const OFF_VOLTS = 1.8;
/** ESP32 brown-out detector level 0 is about 2.43 V (ESP-IDF CONFIG_ESP_BROWNOUT_DET_LVL). */
export const BROWN_OUT_VOLTS = 2.43;
const MAX_LINE = 256;
const PROMPT = 'esp32> ';

/**
 * `busy`: running a command; input is dropped, as on a UART with no flow control. `download`: the ROM
 * loader. `countdown`: the boot-countdown flaw's window, in which a key stops the boot at `bootloader`.
 */
type State = 'off' | 'reset' | 'booting' | 'running' | 'busy' | 'hung' | 'download' | 'countdown' | 'bootloader';
/** How long the boot-countdown flaw waits for a key, as a bootloader's autoboot delay does. */
const COUNTDOWN_MS = 400;

class PowerLost extends Error {}

export interface FirmwareOptions {
  flaws: readonly VirtualFlaw[];
  helpForm: HelpForm | 'none';
  version: string;
  baud: number;
  /** The ROM loader behind the boot strap: answers everything, Secure Download Mode, or never starts. */
  downloadMode: 'open' | 'secure' | 'disabled';
  /** Which ROM loader the strap reaches: Espressif's on the console, or STM32's (silent here, on the boot UART). */
  romLoader: 'esp32' | 'stm32';
  /** STM32 readout protection: at level 2 the system bootloader is gone and BOOT0 is ignored. */
  rdpLevel: 0 | 1 | 2;
  /** What the firmware's TLS client trusts: the CA file and the pinned server key's SPKI SHA-256. */
  tls?: { caCert: string; pinSha256: string };
  /**
   * Update storage: MCUboot slots (the primary slot's image, the public key PEM it verifies with), or
   * ESP-IDF OTA partitions (the running app image, the Secure Boot V2 key digest in eFuse).
   */
  update?: UpdateOptions;
  /** The console `login` command's own credentials (from the rig; a random password without them). */
  login?: { user?: string; password?: string };
  /** The station MAC its Wi-Fi start-up names: what `hil doctor` knows this board by. */
  mac: string;
}

export class VirtualFirmware {
  private state: State = 'off';
  private volts = 0;
  private generation = 0;
  private readonly output: PacedOutput;
  private line = '';
  private lastWasCr = false;
  private uptimeBase = 0;
  private readonly settings: SettingsStore;
  private readonly session = { negativeIndex: false, tlsUsed: false };
  /** The boot strap (GPIO0) is held in the download position while true; read at reset. */
  strapHeld = false;
  private rom = new SlipDecoder(4096);
  private bootloader = new BootloaderPrompt();
  /** An SMP frame being read from the console (a line that began with its marker). */
  private smpLine: string | undefined;
  readonly storage: UpdateStorage | undefined;
  private readonly login: LoginDialogue | undefined;

  constructor(
    readonly name: string,
    private readonly options: FirmwareOptions,
    sink: (bytes: Buffer) => void,
  ) {
    this.output = new PacedOutput(options.baud / 10, sink);
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
    if (volts < OFF_VOLTS) {
      if (this.state !== 'off') this.stop('off');
    } else if (volts < BROWN_OUT_VOLTS) {
      if (this.has('no-brownout-detector') && this.state !== 'off' && this.state !== 'reset') {
        // The flaw: nothing holds the chip in reset; it runs on below its rated voltage, erratically.
        void this.output.send(Buffer.from([0x0d, 0x0a, 0xfe, 0x00, 0x9c, 0x3f, 0xe1, 0x0d, 0x0a]));
      } else if (this.state !== 'off' && this.state !== 'reset') {
        const generation = this.stop('reset');
        // The detector's ISR prints as the rail falls; on a fast sag only part of it gets out.
        void this.output.send(Buffer.from('\r\nBrownout detector was triggered\r\n\r\n')).then(() => {
          if (generation === this.generation && this.state === 'reset') this.output.drop();
        });
      } else if (this.state === 'off') {
        this.state = 'reset';
      }
    } else if (this.state === 'off' || (this.state === 'reset' && before < OFF_VOLTS)) {
      this.boot(0x1);
    } else if (this.state === 'reset') {
      this.boot(0xf);
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
          for (const frame of romReply(packet, this.options.downloadMode)) void this.output.send(frame);
        }
      return;
    }
    if (this.state === 'countdown' || this.state === 'bootloader') return this.bootloaderInput(bytes);
    if (this.state !== 'running' && this.state !== 'busy') return; // a board in reset or booting reads nothing
    if (this.has('deaf-console')) return; // what the bootloader starts never reads the console
    for (const byte of bytes) {
      if (this.smpByte(byte)) continue;
      if (this.state === 'running') this.key(byte);
    }
  }

  /**
   * mcumgr shares the console, as Zephyr's shell does: a line that starts with an SMP marker byte
   * (06 or 04) is a frame, read to its newline and handed to the SMP server.
   */
  private smpByte(byte: number): boolean {
    const smp = this.storage?.smp;
    if (!smp) return false;
    if (this.smpLine === undefined) {
      if (this.line !== '' || (byte !== 0x06 && byte !== 0x04)) return false;
      this.smpLine = '';
    }
    if (byte === 0x0a) {
      const frame = this.smpLine;
      this.smpLine = undefined;
      smp.frame(frame);
    } else if (this.smpLine.length < 256) {
      this.smpLine += String.fromCharCode(byte);
    }
    return true;
  }

  /** A key during the countdown stops the boot at a bootloader prompt, which answers every line. */
  private bootloaderInput(bytes: Buffer): void {
    const g = this.generation;
    if (this.state === 'countdown') {
      this.state = 'bootloader';
      this.bootloader = new BootloaderPrompt();
      void this.print(g, this.bootloader.opened).catch(() => undefined);
      return;
    }
    for (const answer of this.bootloader.input(bytes)) void this.print(g, answer).catch(() => undefined);
  }

  private stop(next: State): number {
    this.generation++;
    this.output.drop();
    this.state = next;
    this.line = '';
    return this.generation;
  }

  private boot(resetCode: number): void {
    const generation = ++this.generation;
    this.state = 'booting';
    this.line = '';
    this.smpLine = undefined;
    this.session.tlsUsed = false; // a power-on frees what the TLS client leaked
    this.storage?.smp?.restart();
    this.uptimeBase = Date.now();
    this.run(generation, () => this.bootSequence(generation, resetCode));
  }

  private run(generation: number, program: () => Promise<void>): void {
    program().catch((error: unknown) => {
      if (error instanceof PowerLost || generation !== this.generation) return;
      throw error;
    });
  }

  private async print(generation: number, text: string): Promise<void> {
    if (generation !== this.generation) throw new PowerLost();
    await this.output.send(Buffer.from(text, 'latin1'));
    if (generation !== this.generation) throw new PowerLost();
  }

  private async sleep(generation: number, ms: number): Promise<void> {
    await sleep(ms);
    if (generation !== this.generation) throw new PowerLost();
  }

  /** Flash writes in this power-on: announced, then done after a write's time unless power goes first. */
  private flashWriter(g: number): FlashWriter {
    return async (tag, text, apply) => {
      await this.print(g, tag ? this.log('I', tag, text) : `${text}\r\n`);
      await this.sleep(g, WRITE_MS);
      apply();
    };
  }

  private log(level: 'I' | 'W' | 'E', tag: string, message: string): string {
    return esp.espLog(level, Date.now() - this.uptimeBase, tag, message);
  }

  private async bootSequence(g: number, resetCode: number): Promise<void> {
    await this.sleep(g, 20);
    if (this.strapHeld && this.options.romLoader === 'stm32' && this.options.rdpLevel < 2) {
      this.state = 'download'; // the system bootloader runs; the application console stays silent
      this.onLoader?.();
      return;
    }
    // The ROM prints the strapping it sampled; with download mode disabled it then boots from flash.
    const strapping =
      this.strapHeld && this.options.romLoader === 'esp32' ? esp.DOWNLOAD_STRAPPING : esp.FLASH_STRAPPING;
    await this.print(g, esp.romBanner(resetCode, strapping));
    if (strapping === esp.DOWNLOAD_STRAPPING && this.options.downloadMode !== 'disabled') {
      await this.print(g, 'waiting for download\r\n');
      this.rom = new SlipDecoder(4096);
      this.state = 'download';
      return;
    }
    await this.print(g, esp.SECOND_STAGE_LOAD);
    await this.sleep(g, 30);
    await this.print(g, this.log('I', 'boot', 'ESP-IDF v5.1.2 2nd stage bootloader'));
    if (this.has('boot-countdown')) {
      // The flaw: a bootloader with an autoboot delay, whose console a key press opens.
      this.state = 'countdown';
      await this.print(g, 'Hit any key to stop autoboot:  1');
      await this.sleep(g, COUNTDOWN_MS);
      if ((this.state as State) === 'bootloader') return; // a key stopped it (bootloaderInput)
      this.state = 'booting';
      await this.print(g, '  0\r\n');
    }
    await this.print(g, this.log('I', 'boot', 'compile time Nov 20 2026 10:12:01'));
    for (const line of this.settings.boot()) await this.print(g, this.log('W', 'nvs', line));
    await this.storage?.boot(
      (line) => this.print(g, line.tag ? this.log('I', line.tag, line.text) : `${line.text}\r\n`),
      this.flashWriter(g),
    );
    // An image the bootloader jumped into unvalidated (a swap cut half-way, with that flaw) is not verified.
    if (!this.has('secure-boot-off') && this.storage?.bootedVerified !== false) {
      await this.print(g, this.log('I', 'secure_boot_v2', 'Verifying with RSA-PSS...'));
      await this.sleep(g, 40);
      await this.print(g, this.log('I', 'secure_boot_v2', 'Signature verified successfully!'));
    }
    if (this.has('jtag-open'))
      await this.print(g, this.log('W', 'secure_boot', 'Not disabling JTAG - SECURITY COMPROMISED'));
    await this.print(g, this.log('I', 'boot', 'Loaded app from partition at offset 0x10000'));
    await this.sleep(g, 30);
    await this.print(g, this.log('I', 'app_init', 'Application information:'));
    await this.print(g, this.log('I', 'app_init', 'Project name:     hil-virtual'));
    if (!this.has('no-version')) {
      await this.print(g, this.log('I', 'app_init', `App version:      ${this.version}`));
    }
    for (const line of this.storage?.appLines() ?? []) await this.print(g, this.log('I', 'app_init', line));
    await this.print(g, this.log('I', 'app_init', 'ESP-IDF:          v5.1.2'));
    if (this.has('boot-panic') && resetCode === 0x1) {
      // The flaw: first boot after power-on reads uninitialised RTC memory and faults.
      await this.panic(g, 'LoadProhibited', '0x400d3a2c');
      return;
    }
    await this.sleep(g, 20);
    if (this.has('stalls-before-ready')) return; // the flaw: app_main waits forever on something it never gets
    await this.print(g, this.log('I', 'wifi', `mode : sta (${this.options.mac})`));
    await this.print(g, this.log('I', 'main_task', 'Calling app_main()'));
    // The console listens before it says so: input that follows the ready line is read.
    this.state = 'running';
    this.settings.bootCompleted();
    this.onReady?.();
    await this.print(g, 'ready\r\n');
    await this.print(g, PROMPT);
  }

  private async panic(g: number, cause: string, pc: string): Promise<void> {
    this.state = 'busy';
    await this.print(g, esp.panicText(cause, pc));
    await this.sleep(g, 50);
    this.boot(0xc);
  }

  private key(byte: number): void {
    const g = this.generation;
    if (byte === 0x0d || (byte === 0x0a && !this.lastWasCr)) {
      this.lastWasCr = byte === 0x0d;
      const line = this.line;
      this.line = '';
      this.state = 'busy';
      this.run(g, async () => {
        await this.print(g, '\r\n');
        if (this.login?.active) {
          const answer = this.login.line(line);
          await this.print(g, answer.output);
          if (!answer.done) this.state = 'running';
        } else await this.execute(g, line);
        if (this.state === 'busy' && g === this.generation) {
          this.state = 'running';
          await this.print(g, PROMPT);
        }
      });
      return;
    }
    this.lastWasCr = false;
    if (byte === 0x0a) return;
    if (byte === 0x08 || byte === 0x7f) {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1);
        void this.output.send(Buffer.from('\b \b'));
      }
      return;
    }
    if (byte < 0x20 || byte > 0x7e) return; // the line editor ignores other control and non-ASCII bytes
    if (this.line.length >= MAX_LINE) return;
    this.line += String.fromCharCode(byte);
    if (this.login?.echoes !== false) void this.output.send(Buffer.from([byte]));
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
      if (!this.login) return this.print(g, 'Unrecognized command\r\n');
      this.state = 'running'; // the dialogue reads the next lines; no prompt until it is over
      return this.print(g, this.login.start());
    }
    if ('reboot' in result) {
      await this.print(g, result.reboot);
      return this.boot(0xc);
    }
    return this.print(g, result.output);
  }
}
