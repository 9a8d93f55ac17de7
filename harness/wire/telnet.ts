/**
 * Telnet (RFC 854/855) as a login client needs it: option negotiation taken out of the byte stream
 * and refused (DO -> WONT, WILL -> DONT, as a client that wants nothing but text does), subnegotiation
 * skipped, IAC IAC kept as one 0xFF data byte. Stateful across reads: a command may be split.
 */

export const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;

type State = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac';

export class TelnetDecoder {
  private state: State = 'data';
  private verb = 0;

  /** The data bytes in `chunk`, and what to answer the options it asked for. */
  push(chunk: Buffer): { data: Buffer; reply: Buffer } {
    const data: number[] = [];
    const reply: number[] = [];
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
          } else this.state = byte === SB ? 'sb' : 'data';
          break;
        case 'option':
          // Refuse what is offered or asked; acknowledgements of our refusals need no answer.
          if (this.verb === DO) reply.push(IAC, WONT, byte);
          else if (this.verb === WILL) reply.push(IAC, DONT, byte);
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          break;
        case 'sb-iac':
          this.state = byte === SE ? 'data' : 'sb';
          break;
      }
    }
    return { data: Buffer.from(data), reply: Buffer.from(reply) };
  }
}

/** What a server sends first to ask a client to let it echo (WILL ECHO) and to suppress go-ahead. */
export const SERVER_GREETING = Buffer.from([IAC, WILL, 0x01, IAC, WILL, 0x03, IAC, DO, 0x18]);
