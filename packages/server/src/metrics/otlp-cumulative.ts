/**
 * The last point of each cumulative OTLP series, so that running totals
 * become what happened since the point before (deltas), as Sum, rates and
 * percentiles need.
 *
 * A series is the metric's full identity: its name, its scope, every
 * resource attribute (service.instance.id included, whether or not it
 * becomes a dimension) and its point attributes. Per series:
 *
 * - unknown → known: its first point. If the series started
 *   (start_time_unix_nano) while this node was running, nothing of it was
 *   counted yet, so the whole value is the delta. If it started before (or
 *   gives no start time), the earlier part may have been counted before a
 *   restart of this node, so the point only sets the baseline: no delta.
 * - known → known: a later point gives value − last value. A new start
 *   time, or a value (or a bucket) lower than the last, is a reset: the
 *   counter started over, so the whole value is the delta. A point not
 *   later than the last (a retried export) gives no delta.
 *
 * The state lives in this node's memory: a restart starts every series
 * over (its first point after the restart is a baseline), and with several
 * nodes each client's exports must reach one node (or send delta
 * temporality). At most MAX_SERIES series are kept; the least recently
 * seen is forgotten first.
 */
import { histogramDelta, type Histo } from './otlp-histogram.js';

const MAX_SERIES = 100_000;

interface Last<T> {
  start: number;
  time: number;
  value: T;
}

export class CumulativeState {
  private readonly last = new Map<string, Last<number | Histo>>();

  /** `startedAt`: when this node began taking OTLP (series started after it were seen from their start). */
  constructor(
    private readonly startedAt: number,
    private readonly maxSeries = MAX_SERIES,
  ) {}

  get size(): number {
    return this.last.size;
  }

  /** The increase of a cumulative monotonic sum since the series' last point, or undefined (a baseline). */
  sumDelta(id: string, start: number, time: number, value: number): number | undefined {
    return this.step<number>(id, start, time, value, (cur, prev) => (cur < prev ? cur : cur - prev));
  }

  /** The observations of a cumulative histogram since the series' last point, or undefined (a baseline). */
  histogramDelta(id: string, start: number, time: number, value: Histo): Histo | undefined {
    return this.step<Histo>(id, start, time, value, histogramDelta);
  }

  private step<T extends number | Histo>(
    id: string,
    start: number,
    time: number,
    value: T,
    delta: (cur: T, prev: T) => T | undefined,
  ): T | undefined {
    const prev = this.last.get(id) as Last<T> | undefined;
    if (prev && time <= prev.time && start === prev.start) return undefined;
    if (prev) this.last.delete(id);
    else if (this.last.size >= this.maxSeries) this.last.delete(this.last.keys().next().value!);
    this.last.set(id, { start, time, value });
    if (!prev) return start > 0 && start >= this.startedAt ? value : undefined;
    if (start !== prev.start) return value;
    return delta(value, prev.value);
  }
}
