/**
 * A virtual Korad KA3005P: its serial protocol has no terminator, so commands are recognised as
 * they complete in the byte stream (`VSET1:3.30`, `OUT1`, `VOUT1?`, `*IDN?` ...), the way the
 * instrument does. Replies have no terminator either.
 */
const COMMANDS: { pattern: RegExp; run: (k: VirtualKorad, m: RegExpExecArray) => string | undefined }[] = [
  { pattern: /^\*IDN\?/, run: () => 'KORAD KA3005P V5.8 SN:HIL00001' },
  { pattern: /^VSET1:(\d{1,2}\.\d{2})/, run: (k, m) => k.setVolts(Number(m[1])) },
  { pattern: /^VSET1\?/, run: (k) => k.volts.toFixed(2).padStart(5, '0') },
  { pattern: /^VOUT1\?/, run: (k) => (k.on ? k.volts : 0).toFixed(2).padStart(5, '0') },
  { pattern: /^ISET1:(\d\.\d{3})/, run: () => undefined },
  { pattern: /^IOUT1\?/, run: (k) => (k.on ? '0.120' : '0.000') },
  { pattern: /^OUT([01])/, run: (k, m) => k.setOutput(m[1] === '1') },
  // STATUS? is one binary byte: bit0 CV, bit6 output on (KA3005P protocol notes).
  { pattern: /^STATUS\?/, run: (k) => String.fromCharCode(0x01 | (k.on ? 0x40 : 0)) },
];

export class VirtualKorad {
  volts = 0;
  on = false;
  private pending = '';

  constructor(private readonly onChange: (output: number) => void) {}

  /** Bytes from the host; returns reply bytes. */
  handle(chunk: Buffer): string {
    this.pending += chunk.toString('latin1').replace(/[\r\n]/g, '');
    let reply = '';
    for (;;) {
      const hit = COMMANDS.map((c) => ({ c, m: c.pattern.exec(this.pending) })).find((x) => x.m);
      if (!hit?.m) break;
      this.pending = this.pending.slice(hit.m[0].length);
      reply += hit.c.run(this, hit.m) ?? '';
    }
    // Garbage that can never start a command is discarded, as the instrument's parser does.
    if (this.pending.length > 32) this.pending = '';
    return reply;
  }

  setVolts(volts: number): undefined {
    this.volts = Math.min(volts, 31);
    this.onChange(this.on ? this.volts : 0);
    return undefined;
  }

  setOutput(on: boolean): undefined {
    this.on = on;
    this.onChange(this.on ? this.volts : 0);
    return undefined;
  }
}
