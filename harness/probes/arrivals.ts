/**
 * Waiting on a device's answer without polling: whoever receives bytes calls `notify()`, and
 * `until` re-checks its condition on each arrival until it holds or the deadline passes.
 */
export class Arrivals {
  private wake: (() => void) | undefined;

  notify(): void {
    this.wake?.();
  }

  /** The first value `found` gives that is not undefined, or undefined once `timeoutMs` has passed. */
  async until<T>(found: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
