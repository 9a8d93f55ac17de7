/** The USB check: the board's own USB device exposes no DFU interface and none the profile does not allow. */
import type { Board } from '../board.ts';
import { inconclusive, judged, type Outcome, skip } from '../verdict.ts';
import { inspectInterfaces } from './descriptors.ts';
import { findUsbDevice } from './find.ts';

export async function probeUsb(board: Board): Promise<Outcome> {
  const identity = board.usbIdentity;
  if (!identity) return skip('the rig names no USB identity for this board (usb)');
  const lookup = await findUsbDevice(identity);
  // The board has a USB device; a host that cannot see any could not test it (skip is for boards without one).
  if ('unavailable' in lookup) return inconclusive(lookup.unavailable);
  if ('absent' in lookup) return inconclusive(lookup.absent);
  const { interfaces, findings } = inspectInterfaces(lookup.found, board.profile.debug.usbAllowed);
  return judged(findings.length === 0, { device: `${identity.vendor}:${identity.product}`, interfaces, findings });
}
