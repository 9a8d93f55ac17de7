/**
 * QEMU Machine Protocol messages (docs/interop/qmp-spec.rst): JSON objects, one per line. The server
 * greets with {"QMP": ...}; the client must send qmp_capabilities before any other command; every
 * command gets {"return": ...} or {"error": {"class", "desc"}}; {"event": ...} may arrive at any time.
 */
export type QmpMessage =
  | { kind: 'greeting'; version: string; capabilities: string[] }
  | { kind: 'return'; value: unknown; id?: unknown }
  | { kind: 'error'; errorClass: string; description: string; id?: unknown }
  | { kind: 'event'; event: string; data: unknown; timestamp?: { seconds: number; microseconds: number } };

export function encodeCommand(execute: string, args?: Record<string, unknown>, id?: string): string {
  return `${JSON.stringify({ execute, ...(args ? { arguments: args } : {}), ...(id !== undefined ? { id } : {}) })}\r\n`;
}

export function decodeMessage(line: string): QmpMessage {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`QMP: not JSON: ${line.slice(0, 200)}`);
  }
  if (parsed.QMP && typeof parsed.QMP === 'object') {
    const qmp = parsed.QMP as {
      version?: { qemu?: { major: number; minor: number; micro: number }; package?: string };
      capabilities?: string[];
    };
    const v = qmp.version?.qemu;
    return {
      kind: 'greeting',
      version: v ? `${v.major}.${v.minor}.${v.micro}` : 'unknown',
      capabilities: qmp.capabilities ?? [],
    };
  }
  if ('return' in parsed) return { kind: 'return', value: parsed.return, id: parsed.id };
  if (parsed.error && typeof parsed.error === 'object') {
    const error = parsed.error as { class?: string; desc?: string };
    return { kind: 'error', errorClass: error.class ?? 'unknown', description: error.desc ?? '', id: parsed.id };
  }
  if (typeof parsed.event === 'string') {
    return {
      kind: 'event',
      event: parsed.event,
      data: parsed.data,
      timestamp: parsed.timestamp as { seconds: number; microseconds: number } | undefined,
    };
  }
  throw new Error(`QMP: unknown message: ${line.slice(0, 200)}`);
}

/** The program counter from `info registers` on an Arm CPU (R15), for evidence of where a CPU spins. */
export function armProgramCounter(infoRegisters: string): number | undefined {
  const match = /R15=([0-9a-f]{8})/i.exec(infoRegisters);
  return match ? parseInt(match[1]!, 16) : undefined;
}
