/**
 * RFC 2217 (Telnet Com Port Control Option, 1997): a serial port's line settings and modem-control
 * lines carried over telnet as subnegotiations of option 44. A client command is
 * `IAC SB 44 <command> <value> IAC SE`; the access server answers each with the command + 100 and
 * the value it applied (RFC 2217 section 3). Values are the RFC's tables; the baud rate is four
 * bytes in network order. ser2net's `telnet(rfc2217)` accepter speaks it, as do Moxa/Digi servers.
 */
import { subnegotiation } from './telnet.ts';

export const COM_PORT_OPTION = 44;
/** The server's answer to a command carries the command's code plus this. */
const SERVER_OFFSET = 100;

export const COMMAND = {
  signature: 0,
  setBaudRate: 1,
  setDataSize: 2,
  setParity: 3,
  setStopSize: 4,
  setControl: 5,
  notifyLineState: 6,
  notifyModemState: 7,
} as const;

export const PARITY = { none: 1, odd: 2, even: 3, mark: 4, space: 5 } as const;
export type Parity = keyof typeof PARITY;
/** SET-STOPSIZE values: 1 and 2 stop bits, and 1.5 as 3. */
export const STOP_BITS = { 1: 1, 2: 2, 1.5: 3 } as const;
/** SET-CONTROL values (RFC 2217 table for SET-CONTROL). */
export const CONTROL = {
  noFlowControl: 1,
  dtrOn: 8,
  dtrOff: 9,
  rtsOn: 11,
  rtsOff: 12,
} as const;

const command = (code: number, value: Buffer) =>
  subnegotiation(COM_PORT_OPTION, Buffer.concat([Buffer.from([code]), value]));

export function setBaudRate(baud: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(baud);
  return command(COMMAND.setBaudRate, value);
}
export const setDataSize = (bits: 5 | 6 | 7 | 8) => command(COMMAND.setDataSize, Buffer.from([bits]));
export const setParity = (parity: Parity) => command(COMMAND.setParity, Buffer.from([PARITY[parity]]));
export const setStopSize = (bits: keyof typeof STOP_BITS) =>
  command(COMMAND.setStopSize, Buffer.from([STOP_BITS[bits]]));
export const setControl = (value: number) => command(COMMAND.setControl, Buffer.from([value]));

/** The commands that put a port in the given line settings, in the order a client sends them. */
export function lineSettings(settings: {
  baud: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}): Buffer {
  return Buffer.concat([
    setBaudRate(settings.baud),
    setDataSize(settings.dataBits),
    setParity(settings.parity),
    setStopSize(settings.stopBits),
    setControl(CONTROL.noFlowControl),
  ]);
}

export interface ServerAnswer {
  /** The client command this answers (the server's code less 100). */
  command: number;
  value: Buffer;
}

/** A COM-PORT-OPTION subnegotiation from the server ([44, code, ...value]), or undefined for another option. */
export function serverAnswer(sub: Buffer): ServerAnswer | undefined {
  if (sub.length < 2 || sub[0] !== COM_PORT_OPTION || sub[1]! < SERVER_OFFSET) return undefined;
  return { command: sub[1]! - SERVER_OFFSET, value: sub.subarray(2) };
}

/** An answer's value as a number: four bytes for the baud rate, one byte otherwise. */
export function answerValue(answer: ServerAnswer): number | undefined {
  if (answer.command === COMMAND.setBaudRate)
    return answer.value.length === 4 ? answer.value.readUInt32BE() : undefined;
  return answer.value.length >= 1 ? answer.value[0] : undefined;
}
