/**
 * Group commit for hot write paths (pings, datapoints, log lines): callers
 * wait until their item is durably written, but items that arrive while a
 * batch is being written go together in the next batch. Under light load a
 * batch is one item written at once; under heavy load batches grow, so the
 * database sees one transaction per batch, never one per item.
 */
export class GroupCommit<T, R = void> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;
  private scheduled = false;

  constructor(
    /** Writes one batch in one transaction; returns one result per item, in order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 1000,
  ) {}

  /** Queues an item; resolves with its result once its batch has committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when everything queued so far has been written. */
  async drain(): Promise<void> {
    while (this.queue.length || this.writing) await new Promise((r) => setTimeout(r, 1));
  }

  private kick(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    // Let the items of this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const results = await this.write(batch.map((b) => b.item));
      for (const [i, b] of batch.entries()) b.resolve(results[i]);
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.writing = false;
      if (this.queue.length) this.kick();
    }
  }
}
