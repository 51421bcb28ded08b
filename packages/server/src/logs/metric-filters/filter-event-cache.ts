/**
 * One FilterEvent per event for every stage of a batch: the metric filter
 * and log alarm stages run one after the other on the same array, and a
 * message's JSON parse and field split are most of what a rule costs
 * (bench/logs/metric-stage-bench.ts), so they are done once, not per stage.
 *
 * State: the last batch seen and the events built for it (lazily, by index).
 */
import type { LogEvent } from '@tocsin/protocol';
import { createFilterEvent, type FilterEvent } from '../filter-pattern.js';

export class FilterEventCache {
  private batch: readonly LogEvent[] | undefined;
  private views: (FilterEvent | undefined)[] = [];

  /** The FilterEvent of `events[i]`, built on first use for this batch. */
  of(events: readonly LogEvent[], i: number): FilterEvent {
    if (events !== this.batch) {
      this.batch = events;
      this.views = new Array(events.length);
    }
    let v = this.views[i];
    if (v === undefined) {
      v = createFilterEvent(events[i]!.message);
      this.views[i] = v;
    }
    return v;
  }

  /** Lets the last batch go (after the stages ran), so that it is not held until the next one. */
  release(): void {
    this.batch = undefined;
    this.views = [];
  }
}
