// Store writes the pipeline does not wait for (audit rows, settlements whose result does not change
// the answer). One tracker for all of them, so readers (audit query, lockout list, close) can wait
// until everything the edge has decided so far is in the store.
export class BackgroundWrites {
  private readonly pending = new Set<Promise<unknown>>();

  /** Runs `write` off the caller's path; a failure goes to `onError`, never to the caller. */
  track(write: Promise<unknown>, onError: (err: unknown) => void): void {
    const tracked: Promise<unknown> = write
      .catch(onError)
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves once every write tracked so far (and any it started) has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
