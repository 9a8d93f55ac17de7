/**
 * Deadlines that hold on a busy machine. When the event loop was starved (more work than cores), a
 * deadline's timer and the answer it waits for fall due in the same turn, and Node runs timers before
 * I/O callbacks: an answer that came in time would lose to its own deadline. So a deadline fires only
 * after the I/O already due has been handled: two check phases on (the console hands a read on in the
 * check phase after the poll that read it).
 */
export interface Deadline {
  clear(): void;
}

export function deadlineTimer(ms: number, onDeadline: () => void): Deadline {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(() => {
      immediate = setImmediate(onDeadline);
    });
  }, ms);
  return {
    clear: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

/** A deadline on any wait: the promise, or an error saying `<what> within <ms> ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let deadline: Deadline | undefined;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (deadline = deadlineTimer(ms, () => reject(new Error(`${what} within ${ms} ms`)))),
    ),
  ]).finally(() => deadline?.clear());
}
