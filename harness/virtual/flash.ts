/**
 * The virtual board's flash writes and its settings store. Every write is announced on the console
 * as it starts (`flash: ...`, the marker a brown-out trial cuts at) and takes a flash operation's
 * time before it is done: a cut in between leaves it undone, as on a real part. The settings store
 * (NVS-like) writes a new copy beside the old one and commits it last, so a cut leaves the old
 * settings or the new; with the settings-corrupted-on-cut flaw it erases its page in place first.
 * Two flaws break the store with no cut at all: settings-write-fails (the page write reports a
 * flash error) and settings-in-ram (nothing reaches flash: every boot starts empty).
 * The store also keeps a boot-in-progress record (boot-loop detection): with the recovery-opens-on-cut
 * flaw, a boot that follows one cut short before its ready line starts in recovery mode, which opens
 * the factory console for that power-on (a real pattern: a loop detector whose recovery is too open).
 */
import type { VirtualFlaw } from '../config/schema.ts';

/** About a 4 KiB sector erase on SPI NOR flash (ESP32 datasheets: 45 ms typical). */
export const WRITE_MS = 60;

/** One flash operation: print `text` (an ESP_LOG line with `tag`, or as it is), take WRITE_MS, then apply. */
export type FlashWriter = (tag: string | undefined, text: string, apply: () => void) => Promise<void>;

export class SettingsStore {
  private values = new Map<string, string>();
  /** The page was erased and not written again: its CRC fails at the next boot. */
  private torn = false;
  private sequence = 1;
  /** Factory defaults were restored after a torn page: the factory debug console is on from then on. */
  private factoryDefaults = false;
  /** This power-on is a recovery boot (the recovery-opens-on-cut flaw): the factory console is on. */
  private recovery = false;
  /** The boot began and has not reached its ready line (bootCompleted). */
  private bootInProgress = false;

  constructor(private readonly flaws: readonly VirtualFlaw[]) {}

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Store a value; false when the flash write failed (the settings-write-fails flaw). */
  async set(key: string, value: string, write: FlashWriter): Promise<boolean> {
    const next = new Map(this.values).set(key, value);
    if (this.flaws.includes('settings-write-fails')) {
      await write('nvs', 'flash: write settings page 1', () => undefined);
      return false;
    }
    if (this.flaws.includes('settings-in-ram')) {
      this.values = next;
      return true;
    }
    if (this.flaws.includes('settings-corrupted-on-cut')) {
      // The flaw: the only copy is erased, then written; a cut between leaves an empty, torn page. An
      // erase cut short leaves the sector half erased, so the page is torn from the erase's first moment.
      this.values = new Map();
      this.torn = true;
      await write('nvs', 'flash: erase settings page 0', () => undefined);
      await write('nvs', 'flash: write settings page 0', () => {
        this.values = next;
        this.torn = false;
      });
      return true;
    }
    const sequence = this.sequence + 1;
    const page = sequence % 2;
    await write('nvs', `flash: write settings page ${page} (seq ${sequence})`, () => undefined);
    await write('nvs', `flash: commit settings seq ${sequence}`, () => {
      this.values = next;
      this.sequence = sequence;
    });
    return true;
  }

  /** Whether the factory debug console is on: after factory defaults, or in a recovery boot. */
  get factoryMode(): boolean {
    return this.factoryDefaults || this.recovery;
  }

  /** At boot: a torn page fails its CRC and the store falls back to factory defaults. */
  boot(): string[] {
    const lines: string[] = [];
    this.recovery = this.bootInProgress && this.flaws.includes('recovery-opens-on-cut');
    if (this.recovery) lines.push('previous boot did not complete: recovery mode (factory console enabled)');
    this.bootInProgress = true;
    if (this.flaws.includes('settings-in-ram')) this.values = new Map();
    if (!this.torn) return lines;
    this.torn = false;
    this.values = new Map();
    this.factoryDefaults = true;
    return [...lines, 'settings page CRC mismatch: factory defaults restored (factory console enabled)'];
  }

  /** The boot reached its ready line: the boot-in-progress record is cleared. */
  bootCompleted(): void {
    this.bootInProgress = false;
  }
}
