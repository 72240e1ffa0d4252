// A counting semaphore whose waiters give up when their signal aborts: bounds the script
// processes running at once (limits.scriptChecksConcurrentMax) without a waiter outliving its
// check's timeout.

export class Semaphore {
  private inUse = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly slots: number) {}

  /** Resolves with a release function once a slot is free; undefined when `signal` aborted first. */
  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.inUse < this.slots) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters.delete(grant);
        resolve(undefined);
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.inUse++;
        resolve(this.releaser());
      };
      this.waiters.add(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      const next = this.waiters.values().next();
      if (!next.done) {
        this.waiters.delete(next.value);
        next.value();
      }
    };
  }
}
