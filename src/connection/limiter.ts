/** A counting semaphore: at most `limit` holders at once, FIFO for the waiters. */
export class Limiter {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private limit: number) {
    if (limit < 1) throw new Error('limit must be >= 1');
  }

  get inUse(): number {
    return this.active;
  }

  get max(): number {
    return this.limit;
  }

  /** Lower (or raise) the limit, e.g. when the server refuses more sessions than we thought. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.pump();
  }

  /** Wait for a slot; the returned function releases it (idempotent). Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.pump();
        });
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
      this.pump();
    });
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private pump(): void {
    while (this.active < this.limit && this.waiters.length) this.waiters.shift()!();
  }
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(reason instanceof Error ? reason.message : 'aborted');
  err.name = 'AbortError';
  return err;
}
