interface Waiter {
  settle(payload: Buffer): void;
  fail(error: Error): void;
}

/**
 * Reply frames in command mode, matched to requests strictly in the order the
 * requests were written (the server answers commands one by one, in order).
 */
export class ReplyQueue {
  private waiters: Waiter[] = [];
  private failure: Error | null = null;

  get pending(): number {
    return this.waiters.length;
  }

  /** Waits for the next reply that no earlier request claimed. */
  expect(): Promise<Buffer> {
    return this.expectWith((payload) => payload);
  }

  /**
   * Like `expect`, but runs `handle` synchronously when the reply arrives, before
   * any later frame is looked at; its result (or exception) settles the promise.
   * This is how a reply switches the client's mode without a race.
   */
  expectWith<T>(handle: (payload: Buffer) => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({
        settle: (payload) => {
          try {
            resolve(handle(payload));
          } catch (error) {
            reject(error);
          }
        },
        fail: reject,
      });
    });
  }

  /** Hands a reply to the oldest waiter; false when nobody waits for one. */
  deliver(payload: Buffer): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    waiter.settle(payload);
    return true;
  }

  /** Rejects every waiter, now and from now on. */
  failAll(error: Error): void {
    this.failure ??= error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.fail(error);
  }
}
