/**
 * What the watchdog reads of the pipeline's counters: cumulative totals since the process started, taken from the
 * `ingest` status part (logs/pipeline-counters.ts), so that the watchdog needs no seam of its own into the hot path.
 * The part's status is expected to hold `dropped: { [reason]: n }` and `stageFailures: { [stage]: n }`; a count may
 * also be an object of counts (by format), which is summed. Missing fields read as zero.
 */
import { dropReasons, type DropReason, type PipelineStatusPart } from '../log-pipeline.js';

/** Cumulative counts since the process started. */
export interface PipelineTotals {
  dropped: Partial<Record<DropReason, number>>;
  stageFailures: Record<string, number>;
}

/** Drop reasons that are the answer of a refused request: 503 (queue full), 429 (rate) and 413 (body cap). */
export const refusedReasons: readonly DropReason[] = ['backpressure', 'rate_limited', 'too_large'];
/** The HTTP status each refused reason is answered with, for the watchdog's messages. */
export const refusedStatus: Partial<Record<DropReason, number>> = {
  backpressure: 503,
  rate_limited: 429,
  too_large: 413,
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A count, or the sum of an object of counts (nested at most a few levels). */
function sumOf(v: unknown, depth = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (!isRecord(v) || depth > 3) return 0;
  let sum = 0;
  for (const x of Object.values(v)) sum += sumOf(x, depth + 1);
  return sum;
}

function countsOf(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isRecord(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    const n = sumOf(x);
    if (n > 0) out[k] = n;
  }
  return out;
}

/** Totals from a status, as the `ingest` part reports it (`stageFailures`, or `stage_failures`). */
export function totalsOfStatus(status: Record<string, unknown>): PipelineTotals {
  const dropped = countsOf(status.dropped);
  const totals: PipelineTotals = {
    dropped: {},
    stageFailures: countsOf(status.stageFailures ?? status.stage_failures),
  };
  for (const reason of dropReasons) if (dropped[reason]) totals.dropped[reason] = dropped[reason];
  return totals;
}

/** Totals read from the part named `ingest`, if any (zero otherwise). */
export function totalsFromParts(parts: readonly PipelineStatusPart[]): PipelineTotals {
  const ingest = parts.find((p) => p.name === 'ingest');
  return ingest ? totalsOfStatus(ingest.status()) : { dropped: {}, stageFailures: {} };
}

/** What rose from `before` to `after`, key by key; a count that fell (a restart) counts from zero. */
export function rise(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) {
    const was = before[k] ?? 0;
    const d = n >= was ? n - was : n;
    if (d > 0) out[k] = d;
  }
  return out;
}
