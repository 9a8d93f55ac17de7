/**
 * The chip's supply-voltage model: below BROWN_OUT_VOLTS the brown-out detector holds it in reset;
 * below OFF_VOLTS it is off. What a change of voltage does depends on what the chip was doing.
 */

const OFF_VOLTS = 1.8;
/** ESP32 brown-out detector level 0 is about 2.43 V (ESP-IDF CONFIG_ESP_BROWNOUT_DET_LVL). */
const BROWN_OUT_VOLTS = 2.43;

/**
 * off: power lost; erratic: below its rating with no detector (the no-brownout-detector flaw), it runs
 * on; brownout: the detector fires and holds it in reset; held: power came back only to the detector's
 * level, still in reset; power-on: a boot from power-on; released: the detector lets go, a boot.
 */
export type SupplyEffect = 'off' | 'erratic' | 'brownout' | 'held' | 'power-on' | 'released';

/** What the supply going from `before` to `volts` does to a chip that is `off`, in `reset`, or `on`. */
export function supplyEffect(
  chip: 'off' | 'reset' | 'on',
  before: number,
  volts: number,
  detector: boolean,
): SupplyEffect | undefined {
  if (volts < OFF_VOLTS) return chip !== 'off' ? 'off' : undefined;
  if (volts < BROWN_OUT_VOLTS) {
    if (chip === 'on') return detector ? 'brownout' : 'erratic';
    return chip === 'off' ? 'held' : undefined;
  }
  if (chip === 'off' || (chip === 'reset' && before < OFF_VOLTS)) return 'power-on';
  return chip === 'reset' ? 'released' : undefined;
}
