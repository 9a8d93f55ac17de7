/**
 * Power loss in the virtual firmware: every power-on (and every reset) begins a new generation, and
 * the programs it runs (the boot script, a command) print and sleep only while theirs lasts. A power
 * loss ends them at their next print or sleep, silently, as a real chip's code just stops.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PacedOutput } from './paced-output.ts';

class PowerLost extends Error {}

export class Generations {
  /** The generation now: a program of an older one is over. */
  current = 0;

  constructor(private readonly output: PacedOutput) {}

  /** A power loss or reset: the programs running end. Returns the new generation. */
  next(): number {
    return ++this.current;
  }

  /** Run a program of `generation`: its end by a power loss is no error. */
  run(generation: number, program: () => Promise<void>): void {
    program().catch((error: unknown) => {
      if (error instanceof PowerLost || generation !== this.current) return;
      throw error;
    });
  }

  async print(generation: number, text: string): Promise<void> {
    if (generation !== this.current) throw new PowerLost();
    await this.output.send(Buffer.from(text, 'latin1'));
    if (generation !== this.current) throw new PowerLost();
  }

  async sleep(generation: number, ms: number): Promise<void> {
    await sleep(ms);
    if (generation !== this.current) throw new PowerLost();
  }
}
