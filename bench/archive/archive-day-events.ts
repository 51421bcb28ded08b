/**
 * One day of one log group as the archive reads it from the log store: batches of realistic access-log events
 * (half Apache combined lines, half JSON application lines, from test-support's `sampleEvents`), generated on
 * the fly so a day of any size costs one batch of memory. Each batch has its own seed, so addresses, ids,
 * paths, sizes and request ids never repeat and gzip sees text as varied as a real day's.
 */
import type { LogEvent } from '@tocsin/protocol';
import { archiveLine } from '../../packages/server/src/archive/day-exporter.js';
import { sampleEvents } from '../../packages/server/src/test-support/sample-log-lines.js';

const DAY = 86_400_000;

export interface DayEventsOptions {
  lines: number;
  /** The day's first millisecond (UTC midnight of 2026-02-07 unless given). */
  start?: number;
  group?: string;
  batch?: number;
  seed?: number;
  /**
   * Batches generated once and then cycled, their events re-stamped with the times of the batch they stand for:
   * for a test that needs a large day fast. Batches of 5,000 lines are megabytes apart in the output, far beyond
   * gzip's 32 KiB window, so the compression ratio is a fresh day's. Generated before the first batch is asked
   * for, so a caller measuring memory sees the pool in its baseline.
   */
  pool?: number;
}

export const DAY_START = Date.parse('2026-02-07T00:00:00Z');

/** `lines` events spread evenly over the day, in batches of `batch` (5,000). */
export function dayEvents(o: DayEventsOptions): AsyncGenerator<LogEvent[]> {
  const start = o.start ?? DAY_START;
  const batch = o.batch ?? 5000;
  const stepMs = DAY / o.lines;
  const generate = (b: number, n: number) =>
    sampleEvents(n, {
      group: o.group ?? 'web/access',
      start: start + Math.floor(b * batch * stepMs),
      stepMs,
      seed: (o.seed ?? 1) * 1_000_003 + b,
    });
  const pool = Array.from({ length: Math.min(o.pool ?? 0, Math.ceil(o.lines / batch)) }, (_, b) => generate(b, batch));
  return (async function* () {
    for (let i = 0, b = 0; i < o.lines; i += batch, b++) {
      const n = Math.min(batch, o.lines - i);
      if (!pool.length) {
        yield generate(b, n);
        continue;
      }
      const first = start + Math.floor(i * stepMs);
      yield pool[b % pool.length].slice(0, n).map((e, k) => {
        const time = first + Math.floor(k * stepMs);
        return { ...e, time, observedTime: time + e.observedTime - e.time };
      });
    }
  })();
}

/** The mean bytes of an archived line of this generator, from its first batch. */
export function meanLineBytes(): number {
  const sample = sampleEvents(5000, { group: 'web/access', start: DAY_START, stepMs: 20, seed: 1_000_003 });
  return sample.reduce((s, e) => s + Buffer.byteLength(archiveLine(e)), 0) / sample.length;
}

/** Lines enough for `bytes` of raw NDJSON (1 % over, so the day is at least that large). */
export function linesForBytes(bytes: number): number {
  return Math.ceil((bytes / meanLineBytes()) * 1.01);
}
