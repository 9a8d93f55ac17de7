/**
 * mcumgr SMP to MCUboot, as mcumgr and MCUboot do it: upload to the secondary slot, mark it for a
 * test boot, reset over SMP, follow the boot; the image list is the second source. A device that
 * refuses at upload or at the state write answers with a named error; one that refuses at boot
 * says so in its boot log and keeps running what it ran. Either way the board is reset and must
 * boot to what it ran before. An image wrongly taken for a test boot reverts at the next reset.
 */
import type { Board } from '../board.ts';
import { HilError } from '../util/errors.ts';
import { type Attempt, fromBoot, type Running, type UpdatePath } from './path.ts';
import { type ImageSlot, SmpDeviceError } from './smp-client.ts';
import type { Candidate } from './variants.ts';

export class SmpPath implements UpdatePath {
  readonly source = 'imageList';

  constructor(
    private readonly board: Board,
    private readonly slots: { chunk: number; slotSize?: number },
  ) {}

  async running(step: string): Promise<Running> {
    const slots = await this.board.smp.imageState(`${step}: image list`);
    const active = slots.find((s) => s.active) ?? slots.find((s) => s.slot === 0);
    return {
      bootVersion: undefined,
      pathVersion: active?.version,
      id: active?.hash,
      confirmed: active?.confirmed ?? false,
      ready: true,
      printed: 1,
      updateLines: [],
      tail: [],
    };
  }

  async prepare(step: string): Promise<Record<string, unknown> | undefined> {
    let slots = await this.board.smp.imageState(`${step}: image list`);
    const secondary = slots.find((s) => s.slot === 1);
    if (!secondary) return undefined;
    const found = { running: describe(slots.find((s) => s.active) ?? slots[0]), secondarySlot: describe(secondary) };
    const resets: string[] = [];
    // A test boot asked for, or one under way, is the bootloader's to finish (a swap, then the revert of
    // an image nobody confirmed): erasing the slot under it would take the revert's copy away.
    const unsettled = (list: ImageSlot[]) =>
      list.find((s) => s.slot === 1)?.pending === true || list.find((s) => s.active)?.confirmed === false;
    for (let i = 0; i < 2 && unsettled(slots); i++) {
      const after = await this.resetAndRead(`${step}: reset to finish a test boot`);
      resets.push(`${after.pathVersion ?? 'nothing'} runs (${after.confirmed ? 'confirmed' : 'not confirmed'})`);
      slots = await this.board.smp.imageState(`${step}: image list after reset`);
    }
    if (slots.some((s) => s.slot === 1))
      await this.board.smp.erase(`${step}: erase the secondary slot`, this.slots.slotSize);
    const left = (await this.board.smp.imageState(`${step}: image list after erase`)).find((s) => s.slot === 1);
    if (left)
      throw new HilError({
        board: this.board.name,
        step: `${step}: clear the secondary slot`,
        expected: 'an empty secondary slot after an SMP image erase',
        seen: `still ${JSON.stringify(describe(left))}`,
      });
    return { ...found, ...(resets.length ? { resets } : {}), cleared: 'SMP image erase' };
  }

  listNow(step: string): Promise<Running> {
    return this.running(step);
  }

  runs(r: Running, image: Candidate): boolean {
    return r.confirmed && image.info.hash !== undefined && r.id?.equals(image.info.hash) === true;
  }

  async offer(image: Candidate, step: string): Promise<Attempt> {
    const hash = image.info.hash;
    if (!hash) throw new Error(`${image.made} has no hash TLV to name it by`);
    try {
      await this.upload(image, step);
    } catch (error) {
      if (!(error instanceof SmpDeviceError)) throw error;
      return {
        refusedAt: 'upload',
        deviceSaid: error.errorName,
        delivered: 'offered over SMP: the device read the upload and answered it',
        rejected: `the upload was answered ${error.errorName}`,
        running: await this.resetAndRead(step),
      };
    }
    // Every chunk acknowledged is not yet the image in the slot: the image list must name it.
    const inSlot = (slots: ImageSlot[]) => slots.find((s) => s.slot === 1 && s.hash?.equals(hash));
    const listed = inSlot(await this.board.smp.imageState(`${step}: image list after upload`));
    const delivered = listed
      ? `every chunk acknowledged; the image list shows it in the secondary slot (${listed.version})`
      : undefined;
    try {
      await this.board.smp.setState(hash, false, `${step}: mark for test boot`);
    } catch (error) {
      if (!(error instanceof SmpDeviceError)) throw error;
      // Not a rejection: the bootloader never saw the image (Zephyr's img_mgmt finds an image by its hash
      // from slot 0, so a copy that keeps the running image's hash is never marked).
      return {
        refusedAt: 'state write',
        deviceSaid: error.errorName,
        delivered,
        running: await this.resetAndRead(step),
      };
    }
    const running = await this.resetAndRead(step);
    // At boot MCUboot says why it turned an image away (E: lines) and erases it from the slot.
    const after = running.ready ? inSlot(await this.board.smp.imageState(`${step}: image list after boot`)) : undefined;
    const bootloader = running.updateLines.filter((l) => /^E: /.test(l));
    const rejected = [
      ...(bootloader.length ? [`the bootloader said: ${bootloader.join(' | ')}`] : []),
      ...(running.ready && !after?.pending
        ? [
            after
              ? 'the image list no longer marks it for a test boot'
              : 'the image list shows the secondary slot cleared of it',
          ]
        : []),
    ];
    return { delivered, ...(rejected.length ? { rejected: rejected.join('; ') } : {}), running };
  }

  async restore(current: Candidate, last: Running, step: string): Promise<void> {
    if (this.runs(last, current)) return;
    const after = await this.resetAndRead(`${step}: revert`);
    if (this.runs(after, current)) return;
    throw new HilError({
      board: this.board.name,
      step: `${step}: back to the current image`,
      expected: `version ${current.info.version}, confirmed, after a reset`,
      seen: `${after.pathVersion ?? 'no active slot'} (${after.confirmed ? 'confirmed' : 'not confirmed'})`,
    });
  }

  async keep(image: Candidate, step: string): Promise<Running> {
    await this.board.smp.setState(image.info.hash!, true, `${step}: confirm`);
    return this.resetAndRead(`${step}: after confirm`);
  }

  async close(): Promise<void> {}

  private async upload(image: Candidate, step: string): Promise<void> {
    const quarter = Math.max(1, Math.floor(image.bytes.length / 4));
    let nextNote = quarter;
    await this.board.smp.upload(image.bytes, {
      chunk: this.slots.chunk,
      ...(this.slots.slotSize ? { slotBytes: this.slots.slotSize } : {}),
      step: `${step}: upload`,
      onProgress: (sent) => {
        if (sent < nextNote) return;
        this.board.console.note(`upload ${sent}/${image.bytes.length} bytes`);
        nextNote += quarter;
      },
    });
  }

  /** Reset over SMP and read what the board runs afterwards. */
  private async resetAndRead(step: string): Promise<Running> {
    const from = { mark: this.board.console.mark(), started: Date.now() };
    await this.board.smp.reset(`${step}: SMP reset`);
    const boot = await this.board.recordBoot(`${step}: boot`, from);
    const listed = boot.ready ? await this.running(step) : undefined;
    return {
      ...fromBoot(boot),
      pathVersion: listed?.pathVersion,
      id: listed?.id,
      confirmed: listed?.confirmed ?? false,
    };
  }
}

/** A slot as evidence shows it. */
function describe(slot: ImageSlot | undefined): Record<string, unknown> {
  if (!slot) return { slot: 'none' };
  const { version, pending, confirmed, active } = slot;
  return { slot: slot.slot, version, hash: slot.hash?.toString('hex'), pending, confirmed, active };
}
