/** A min-heap of (dueAt, key) with O(log n) insert and pop; replacing a key is lazy. */
export class DueHeap {
  private times: number[] = [];
  private keys: string[] = [];
  /** The current due time of each key; heap entries that disagree are stale. */
  private current = new Map<string, number>();

  get size(): number {
    return this.current.size;
  }

  has(key: string): boolean {
    return this.current.has(key);
  }

  dueAt(key: string): number | undefined {
    return this.current.get(key);
  }

  /** Every key with its due time, in no order. */
  entries(): IterableIterator<[string, number]> {
    return this.current.entries();
  }

  set(key: string, dueAt: number): void {
    this.current.set(key, dueAt);
    this.push(dueAt, key);
    // Stale entries pile up when items are rescheduled before they are due; rebuild past 2x.
    if (this.times.length > 64 && this.times.length > 2 * this.current.size) this.rebuild();
  }

  delete(key: string): void {
    this.current.delete(key);
  }

  /** The earliest due time, skipping stale entries. */
  peek(): number | undefined {
    this.dropStale();
    return this.times[0];
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  popDue(now: number): { key: string; dueAt: number } | undefined {
    this.dropStale();
    if (this.times.length === 0 || this.times[0] > now) return undefined;
    const dueAt = this.times[0];
    const key = this.keys[0];
    this.removeTop();
    this.current.delete(key);
    return { key, dueAt };
  }

  private dropStale(): void {
    while (this.times.length && this.current.get(this.keys[0]) !== this.times[0]) this.removeTop();
  }

  private rebuild(): void {
    const entries = [...this.current.entries()];
    this.times = [];
    this.keys = [];
    for (const [k, t] of entries) this.push(t, k);
  }

  private push(t: number, k: string): void {
    const times = this.times;
    const keys = this.keys;
    let i = times.length;
    times.push(t);
    keys.push(k);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p] <= t) break;
      times[i] = times[p];
      keys[i] = keys[p];
      i = p;
    }
    times[i] = t;
    keys[i] = k;
  }

  private removeTop(): void {
    const times = this.times;
    const keys = this.keys;
    const lastT = times.pop()!;
    const lastK = keys.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && times[r] < times[l] ? r : l;
      if (times[c] >= lastT) break;
      times[i] = times[c];
      keys[i] = keys[c];
      i = c;
    }
    times[i] = lastT;
    keys[i] = lastK;
  }
}
