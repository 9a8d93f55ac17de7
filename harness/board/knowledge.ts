/**
 * What the harness knows of a board's state (see known-state.ts): ready (and undisturbed since), off,
 * or unknown. A crash on the console since the board was known ready unsettles it.
 */
import type { BootRecord } from '../boot-record.ts';
import type { Console } from '../console/console.ts';
import { type FirmwareSeen, firmwareSeen } from '../firmware-seen.ts';
import type { KnownState } from '../known-state.ts';

export class Knowledge {
  private known: KnownState = 'unknown';
  /** The console's crash count when the board was last known ready: a crash since unsettles it. */
  private crashesWhenReady = 0;

  /** What the last boot that reached its ready line said the board runs. */
  firmware: FirmwareSeen | undefined;

  constructor(private readonly console: Console) {}

  get state(): KnownState {
    if (this.known === 'ready' && this.console.crashes.length !== this.crashesWhenReady) return 'unknown';
    return this.known;
  }

  /** Told from outside: what the suite before left, or that something may have disturbed the board. */
  learn(state: KnownState): void {
    this.known = state;
    this.crashesWhenReady = this.console.crashes.length;
  }

  /** The harness is changing the board's state (a switch, a reset, a reboot): it is not known until proved. */
  lost(): void {
    this.known = 'unknown';
  }

  /** The supply was switched off and read back. */
  off(): void {
    this.known = 'off';
  }

  /** A boot that reached its ready line with no crash on the way is a known state; anything else is not. */
  booted(record: BootRecord): void {
    this.known = record.ready && record.crashes.length === 0 ? 'ready' : 'unknown';
    if (record.ready) this.firmware = firmwareSeen({ ...record }) ?? this.firmware;
    this.crashesWhenReady = this.console.crashes.length;
  }
}
