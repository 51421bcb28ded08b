/**
 * The seam between the producers of internal datapoints (monitors,
 * heartbeats, groups) and their consumers (alarms). Consumers register the
 * series they watch; producers ask `watches` before shaping a datapoint that
 * costs more than the packed result it comes from, and `record` it.
 *
 * State: per watcher (by name), the set of series keys it watches; each
 * `watch` call replaces that watcher's set.
 */
import type { SeriesDatum } from './metric-service.js';
import { seriesKeyOf } from './series-key.js';

export class MetricSink {
  private watchers = new Map<string, ReadonlySet<string>>();

  constructor(private readonly write: (data: SeriesDatum[]) => void) {}

  /** Replaces the series keys (`seriesKeyOf`) that `watcher` watches. */
  watch(watcher: string, keys: ReadonlySet<string>): void {
    this.watchers.set(watcher, keys);
  }

  /** Whether some watcher watches this series (a set lookup per watcher: it runs on every check). */
  watches(namespace: string, name: string, dimensions: Record<string, string>): boolean {
    if (this.watchers.size === 0) return false;
    const key = seriesKeyOf(namespace, name, dimensions);
    for (const keys of this.watchers.values()) if (keys.has(key)) return true;
    return false;
  }

  /** Records datapoints; written with the next batch, not awaited. */
  record(data: SeriesDatum[]): void {
    if (data.length) this.write(data);
  }
}
