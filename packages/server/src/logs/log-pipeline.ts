/**
 * The log pipeline's spine: every ingest route hands its decoded events to
 * `accept`, which (in this order, synchronously, on the request's turn):
 *   1. asks the storage writer to admit the batch (a full write queue is a
 *      503 with Retry-After: nothing of the batch is taken);
 *   2. drops events that carry Tocsin's own origin mark (a loop), counted;
 *   3. appends the rest to the writer (stored in blocks by its flush);
 *   4. runs every stage on them (routes, metric filters, embedded metrics,
 *      log alarms, the live tail), each stage's failure counted under its
 *      name and never failing the ingest.
 * Every event of a request is either accepted or counted as dropped with a
 * reason; nothing vanishes silently.
 */
import type { LogEvent, LogGroupSpec, LogRuleSpec } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';

/** Why an event was not stored. Counted in `tocsin_logs_dropped_total{reason}`. */
export const dropReasons = [
  /** It carried Tocsin's origin mark: it came back from one of Tocsin's own outputs. */
  'loop',
  /** It broke the model or a limit (the decoder's rejection). */
  'invalid',
  /** The sender's token went over its rate. */
  'rate_limited',
  /** The write queue was full. */
  'backpressure',
  /** The body was over the cap. */
  'too_large',
  /** Older than its group's retention. */
  'expired',
] as const;
export type DropReason = (typeof dropReasons)[number];

/** The attribute (on the event or its resource) that marks an event Tocsin emitted; its value is the instance id. */
export const ORIGIN_ATTRIBUTE = 'tocsin.origin';
/** The same mark as an HTTP header on everything Tocsin sends out, and as a Loki label. */
export const ORIGIN_HEADER = 'x-tocsin-origin';
export const ORIGIN_LABEL = 'tocsin_origin';

/** Where a batch came from: its format (a decoder's name, or `syslog`, `cloudwatch`, `firehose`) and sender. */
export interface IngestOrigin {
  format: string;
  /** The API token's id, when the route is authenticated by one. */
  tokenId?: string;
}

/** What happened to a request's events. */
export interface IngestOutcome {
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
}

/** The storage side: a bounded write queue that flushes events into compressed blocks. */
export interface LogAppender {
  /** Whether `bytes` more (the raw size of a batch) fit in the queue now; else how long to wait. */
  admit(bytes: number): { ok: true } | { ok: false; retryAfterSeconds: number };
  /** Queues accepted events; they are stored with the next flush and visible to queries at once. */
  append(events: readonly LogEvent[], bytes: number): void;
}

/**
 * A step that sees every accepted batch once it is queued: it must be fast (it runs on the ingest request's
 * turn) and its work that needs I/O is queued, not awaited. A throw is counted as a rule error of the stage.
 */
export interface LogStage {
  readonly name: string;
  process(events: readonly LogEvent[], now: number): void;
}

/** What the pipeline counts; `/metrics` and `tocsin pipeline status` show it, the watchdog watches it. */
export interface PipelineCounters {
  ingested(format: string, n: number, bytes: number): void;
  dropped(reason: DropReason, n: number, format: string): void;
  stageFailed(stage: string, err: unknown): void;
}

/** Whether an event carries Tocsin's origin mark (an attribute, a resource attribute or a Loki label). */
export function isMarked(e: LogEvent): boolean {
  return (
    e.attributes[ORIGIN_ATTRIBUTE] !== undefined ||
    e.resource[ORIGIN_ATTRIBUTE] !== undefined ||
    e.resource[ORIGIN_LABEL] !== undefined
  );
}

export class LogPipeline {
  private readonly stages: LogStage[] = [];

  constructor(
    private readonly appender: LogAppender,
    private readonly counters: PipelineCounters,
  ) {}

  /** Whether the write queue takes `bytes` more now, without taking them (a listener that can wait, waits). */
  admits(bytes: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    return this.appender.admit(bytes);
  }

  /** Counts events an ingest route refused before `accept` (invalid, rate limited, too large). */
  countDropped(reason: DropReason, n: number, format: string): void {
    if (n > 0) this.counters.dropped(reason, n, format);
  }

  /** Adds a stage; stages run in the order they were added. */
  addStage(stage: LogStage): void {
    this.stages.push(stage);
  }

  /**
   * Takes one request's decoded events (`bytes`: the raw size the request carried them in). Throws a TocsinError
   * `unavailable` with `retryAfterSeconds` when the write queue is full, after counting the events as dropped.
   */
  accept(events: readonly LogEvent[], origin: IngestOrigin, bytes: number, now: number): IngestOutcome {
    const admitted = this.appender.admit(bytes);
    if (!admitted.ok) {
      this.counters.dropped('backpressure', events.length, origin.format);
      throw new TocsinError('unavailable', 'the log write queue is full; retry later', {
        retryAfterSeconds: admitted.retryAfterSeconds,
      });
    }
    let kept: readonly LogEvent[] = events;
    let loops = 0;
    for (const e of events) if (isMarked(e)) loops++;
    if (loops > 0) {
      kept = events.filter((e) => !isMarked(e));
      this.counters.dropped('loop', loops, origin.format);
    }
    const dropped: Partial<Record<DropReason, number>> = loops ? { loop: loops } : {};
    if (kept.length === 0) return { accepted: 0, dropped };
    const keptBytes = loops ? Math.round((bytes * kept.length) / events.length) : bytes;
    this.appender.append(kept, keptBytes);
    this.counters.ingested(origin.format, kept.length, keptBytes);
    for (const stage of this.stages) {
      try {
        stage.process(kept, now);
      } catch (err) {
        this.counters.stageFailed(stage.name, err);
      }
    }
    return { accepted: kept.length, dropped };
  }
}

/** What the storage module (logs-module.ts) gives the other log modules (ingest, rules, outputs, UI routes). */
export interface LogsCore {
  pipeline: LogPipeline;
  /** The log groups as last applied (API, config, another node's change), for routing events to groups. */
  groupSpecs(): readonly LogGroupSpec[];
}

/** The log rules as last applied; the rule modules (routes, metric filters, alarms) read their kinds. */
export interface LogRuleCatalog {
  /** Every rule, enabled or not. */
  list(): readonly LogRuleSpec[];
  /** Called after every change (API, config apply, another node's change). */
  onChange(listener: () => void): void;
}

/** One named part of `GET /api/logs/pipeline` and `tocsin pipeline status` (ingest, storage, rules, outputs). */
export interface PipelineStatusPart {
  readonly name: string;
  status(): Record<string, unknown>;
}
