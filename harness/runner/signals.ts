/** The run's view of SIGINT and SIGTERM, watched from the first moment of `hil run`. */

/** SIGINT/SIGTERM from the first moment: held ones (bin/hil.js) are taken over. */
export function watchSignals(): {
  readonly signal: NodeJS.Signals | undefined;
  whenSignalled(act: () => void): void;
  stop(): void;
} {
  let signal: NodeJS.Signals | undefined;
  let act: (() => void) | undefined;
  const on = (s: NodeJS.Signals) => {
    if (signal) return;
    signal = s;
    act?.();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  const take = (globalThis as { hilHeldSignals?: () => NodeJS.Signals[] }).hilHeldSignals;
  for (const held of take?.() ?? []) on(held);
  return {
    get signal() {
      return signal;
    },
    whenSignalled: (fn) => {
      act = fn;
      if (signal) fn();
    },
    stop: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
