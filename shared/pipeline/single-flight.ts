interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiting: number;
}

/**
 * Calls in flight, by key: a second caller with the same key joins the call already running
 * instead of starting another, and gets its result. The shared call is aborted only when every
 * caller waiting on it has aborted; a caller that aborts stops waiting at once.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** Keys with a call running now. */
  get size(): number {
    return this.flights.size;
  }

  run(key: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let flight = this.flights.get(key);
    if (!flight) {
      const entry: Flight<T> = { promise: undefined as unknown as Promise<T>, controller: new AbortController(), waiting: 0 };
      this.flights.set(key, entry);
      entry.promise = (async () => {
        try {
          return await call(entry.controller.signal);
        } finally {
          if (this.flights.get(key) === entry) this.flights.delete(key);
        }
      })();
      flight = entry;
    }
    const joined = flight;
    joined.waiting++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = (): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        joined.waiting--;
      };
      const onAbort = (): void => {
        leave();
        if (joined.waiting === 0) {
          // Nobody waits for it any more: stop it, and let a later caller start afresh.
          if (this.flights.get(key) === joined) this.flights.delete(key);
          joined.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (settled) return;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          leave();
          reject(error);
        },
      );
    });
  }
}
