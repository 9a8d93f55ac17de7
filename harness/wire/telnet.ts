/**
 * Telnet (RFC 854/855): option negotiation taken out of the byte stream, subnegotiations collected,
 * IAC IAC kept as one 0xFF data byte. Stateful across reads: a command may be split. By default
 * every option is refused (DO -> WONT, WILL -> DONT), as a login client that wants nothing but text
 * does; a client that wants options (RFC 2217's COM-PORT-OPTION, BINARY) names them and offers
 * them first; what it has said of an option it does not say again, so an acknowledgement of its
 * own request is not answered (no negotiation loop, RFC 1143).
 */

export const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;
/** RFC 856: 8-bit data both ways, no CR NUL stuffing. */
export const BINARY = 0x00;
/** RFC 858. */
export const SUPPRESS_GO_AHEAD = 0x03;
/** A subnegotiation longer than this is not one this client reads (memory bound against a hostile peer). */
const MAX_SUBNEGOTIATION = 256;

type State = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac';

export interface TelnetOptions {
  /** Options this side performs when asked (answered WILL), and offers itself. */
  will?: number[];
  /** Options this side wants the peer to perform (answered DO), and asks for itself. */
  do?: number[];
}

export interface TelnetEvents {
  data: Buffer;
  /** What to send back: answers to the peer's option requests. */
  reply: Buffer;
  /** Subnegotiations received, each as [option, ...payload] with IAC IAC undone. */
  subnegotiations: Buffer[];
  /** Options the peer refused (WONT/DONT) among those this side wants. */
  refused: number[];
  /** Options the peer agreed to: DO for one this side performs, WILL for one it wants. */
  agreed: number[];
}

export class TelnetDecoder {
  private state: State = 'data';
  private verb = 0;
  private sub: number[] = [];
  /** What this side has said of each option: answers are given once, never to an acknowledgement. */
  private readonly said = new Map<string, number>();

  constructor(private readonly options: TelnetOptions = {}) {}

  /** The WILL and DO this side opens with (empty for a client that wants no option). */
  offer(): Buffer {
    const bytes: number[] = [];
    for (const option of this.options.will ?? []) bytes.push(...this.say(WILL, option));
    for (const option of this.options.do ?? []) bytes.push(...this.say(DO, option));
    return Buffer.from(bytes);
  }

  /** The data bytes in `chunk`, what to answer the options it asked for, and its subnegotiations. */
  push(chunk: Buffer): TelnetEvents {
    const data: number[] = [];
    const reply: number[] = [];
    const subnegotiations: Buffer[] = [];
    const refused: number[] = [];
    const agreed: number[] = [];
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            data.push(IAC);
            this.state = 'data';
          } else if (byte >= WILL && byte <= DONT) {
            this.verb = byte;
            this.state = 'option';
          } else if (byte === SB) {
            this.sub = [];
            this.state = 'sb';
          } else this.state = 'data';
          break;
        case 'option':
          reply.push(...this.answer(this.verb, byte, refused, agreed));
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else if (this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(byte);
          break;
        case 'sb-iac':
          if (byte === SE) {
            if (this.sub.length > 0 && this.sub.length < MAX_SUBNEGOTIATION)
              subnegotiations.push(Buffer.from(this.sub));
            this.state = 'data';
          } else {
            if (byte === IAC && this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(IAC);
            this.state = 'sb';
          }
          break;
      }
    }
    return { data: Buffer.from(data), reply: Buffer.from(reply), subnegotiations, refused, agreed };
  }

  private answer(verb: number, option: number, refused: number[], agreed: number[]): number[] {
    const performs = (this.options.will ?? []).includes(option);
    const wants = (this.options.do ?? []).includes(option);
    if ((verb === DO && performs) || (verb === WILL && wants)) agreed.push(option);
    if (verb === DO) return this.say(performs ? WILL : WONT, option);
    if (verb === WILL) return this.say(wants ? DO : DONT, option);
    // A refusal needs no answer from a side that never agreed to the option (RFC 1143's "NO" state).
    if ((verb === DONT && performs) || (verb === WONT && wants)) refused.push(option);
    return [];
  }

  /** `verb option`, unless this side has said exactly that already (then the peer is acknowledging). */
  private say(verb: number, option: number): number[] {
    const side = verb === WILL || verb === WONT ? 'will' : 'do';
    if (this.said.get(`${side}:${option}`) === verb) return [];
    this.said.set(`${side}:${option}`, verb);
    return [IAC, verb, option];
  }
}

/** Data for a telnet peer: each 0xFF byte doubled, so it is not read as a command. */
export function escapeIac(data: Buffer): Buffer {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (const byte of data) out.push(...(byte === IAC ? [IAC, IAC] : [byte]));
  return Buffer.from(out);
}

/** `IAC SB option payload IAC SE`, IAC bytes in the payload doubled. */
export function subnegotiation(option: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([IAC, SB, option]), escapeIac(payload), Buffer.from([IAC, SE])]);
}

/** What a server sends first to ask a client to let it echo (WILL ECHO) and to suppress go-ahead. */
export const SERVER_GREETING = Buffer.from([IAC, WILL, 0x01, IAC, WILL, 0x03, IAC, DO, 0x18]);
