/**
 * The crash watch: a profile's crash signatures looked for in every line that ends, each one seen
 * kept (line, index, signature, time). A step waiting on the console fails on one (see expect.ts).
 */
import { matchableText } from './escape.ts';

export interface CrashSeen {
  line: string;
  index: number;
  signature: RegExp;
  time: number;
}

export class CrashWatch {
  readonly crashes: CrashSeen[] = [];

  constructor(private readonly signatures: RegExp[]) {}

  /** The crash signature that text as patterns see it (matchableText) shows, if any. */
  signatureIn(visible: string): RegExp | undefined {
    return this.signatures.find((s) => s.test(visible));
  }

  /** Look at a line that ended: a crash it shows is kept and returned. */
  line(text: string, index: number): CrashSeen | undefined {
    const visible = this.signatures.length > 0 ? matchableText(text) : text;
    const signature = this.signatureIn(visible);
    if (!signature) return undefined;
    const crash = { line: text, index, signature, time: Date.now() };
    this.crashes.push(crash);
    return crash;
  }
}
