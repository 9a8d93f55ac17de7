/**
 * The implementation information (TS 103 701 IXIT items) a check relied on, filled from the run's
 * rig file and the board's profile: which interfaces, which update mechanism, which secure-boot lines,
 * which power and login surfaces, and the build the update mechanism was tested from. Secrets never
 * appear (only where a surface is, never its password). Then every IXIT item for a board: filled by
 * the run, declared in declarations.yaml, or still missing.
 */
import { existsSync } from 'node:fs';
import { type Answer, answerFor, type LoadedDeclarations } from '../config/declarations.ts';
import { type LoadedRig, loadRig } from '../config/load.ts';
import { describeFirmware, type FirmwareSeen } from '../firmware-seen.ts';
import { Rig } from '../power/registry.ts';
import { IXIT } from '../standards/ts103701.ts';

export interface IxitItem {
  id: string;
  items: string[];
}

export function loadRunRig(file: string | undefined): LoadedRig | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return loadRig(file, Rig);
  } catch {
    return undefined;
  }
}

export function ixitItems(
  rig: LoadedRig | undefined,
  board: string,
  ids: string[],
  firmware?: FirmwareSeen,
): IxitItem[] {
  const wiring = rig?.config.boards[board];
  const profile = wiring ? rig!.profiles.get(wiring.profile) : undefined;
  const where = (value: unknown) => (value === 'auto' ? 'auto (virtual rig)' : String(value));
  const logins = wiring?.credentials
    ? [
        ...(wiring.credentials.web ? [`web UI ${where(wiring.credentials.web)}`] : []),
        ...(wiring.credentials['http-auth'] ? [`HTTP auth ${where(wiring.credentials['http-auth'])}`] : []),
        ...(wiring.credentials.tcp ? [`TCP login ${where(wiring.credentials.tcp)}`] : []),
      ]
    : [];
  const network = wiring?.console?.rfc2217 ? `RFC 2217 ${wiring.console.rfc2217}` : wiring?.console?.tcp;
  const console = wiring?.console?.usb
    ? `console USB ${wiring.console.usb.vendor}:${wiring.console.usb.product}`
    : network
      ? `console over the network (${network})`
      : `console ${where(wiring?.console?.port ?? (wiring?.qemu ? 'QEMU PTY' : 'unknown'))}`;
  const byId: Record<string, string[]> = {
    '1-AuthMech': [...(profile?.credentials.console ? ['console login'] : []), ...logins],
    '7-UpdMech': [
      ...(wiring?.rollback ? [wiring.rollback.path === 'smp' ? 'mcumgr SMP to MCUboot' : 'ESP-IDF HTTPS OTA'] : []),
      // The software the update checks started from, as the board's boot named it.
      ...(firmware ? [`running ${describeFirmware(firmware)}`] : []),
    ],
    '15-Intf': [
      console,
      ...(wiring?.debug?.gdb ? [`debug port gdbserver ${wiring.debug.gdb.host}:${where(wiring.debug.gdb.port)}`] : []),
      ...(wiring?.debug?.openocd ? ['debug port through OpenOCD'] : []),
      ...(wiring?.qemu?.gdbstub ? ['debug port QEMU gdbstub'] : []),
      ...(wiring?.['boot-strap'] ? [`boot strap (${wiring['boot-strap'].driver})`] : []),
      ...(wiring?.['boot-uart'] ? [`boot UART ${where(wiring['boot-uart'].port)}`] : []),
      ...(wiring?.usb ? [`USB device ${wiring.usb.vendor}:${wiring.usb.product}`] : []),
      ...logins,
    ],
    '20-SecBoot': (profile?.boot.required ?? []).map((p) => `boot line /${p.source}/`),
    '23-ResMech': [
      ...(wiring?.power ? [`power ${wiring.power.driver}`] : wiring?.qemu ? ['power: the QEMU process'] : []),
      ...(profile?.brownout.threshold !== undefined ? [`brown-out threshold ${profile.brownout.threshold} V`] : []),
    ],
    '29-InpVal': [
      console,
      ...(wiring?.fuzz?.tcp ? [`TCP ${wiring.fuzz.tcp}`] : []),
      ...(wiring?.fuzz?.udp ? [`UDP ${wiring.fuzz.udp}`] : []),
    ],
  };
  return ids.map((id) => ({ id, items: byId[id] ?? [] }));
}

export interface IxitStatus {
  id: string;
  name: string;
  /** What the run's checks relied on, from the rig and profile. */
  fromRun: string[];
  declaration?: Answer;
  /** `not needed`: every provision that cites it is not applicable to this board. */
  state: 'filled by the run' | 'declared' | 'missing' | 'not needed';
}

/** Every IXIT item for one board: filled by the run, declared, missing, or not needed. */
export function ixitStatus(
  board: string,
  lab: { board: string; ixit: IxitItem[] }[],
  declarations: LoadedDeclarations | undefined,
  provisions: { provision: string; status: string }[],
): IxitStatus[] {
  const used = lab.filter((r) => r.board === board).flatMap((r) => r.ixit);
  return IXIT.map((kind) => {
    const fromRun = [...new Set(used.filter((u) => u.id === kind.id).flatMap((u) => u.items))];
    const declaration = answerFor(declarations, board, 'ixit', kind.id);
    const notNeeded = kind.provisions.every(
      (id) => provisions.find((p) => p.provision === id)?.status === 'not applicable',
    );
    const state =
      fromRun.length > 0 ? 'filled by the run' : declaration ? 'declared' : notNeeded ? 'not needed' : 'missing';
    return { id: kind.id, name: kind.name, fromRun, ...(declaration ? { declaration } : {}), state };
  });
}
