/**
 * The live tail's fan-out: a pipeline stage that matches each accepted event
 * against the open tails' filters and queues the matches of each tail.
 *
 * A tail is pull-driven: its stream asks for more (the HTTP adapter reads the
 * body only as the socket drains), and only then is its queue written out, as
 * one chunk. A client too slow to take what matches fills its queue, bounded
 * in events and bytes; the matches past the bound are counted, not kept, and
 * the client is told the count (`event: dropped`) once it catches up. So a
 * slow client costs at most its queue and never slows ingest; with no tail
 * open the stage returns at once.
 *
 * Tail states: open (ready: its stream waits for bytes | behind: its queue
 * holds what it has not taken) ──(client went away, or close())──▶ ended.
 */
import { type LogEvent, severityOf } from '@tocsin/protocol';
import type { Counter, Telemetry } from '../../core/telemetry.js';
import { type FilterEvent, type FilterPattern, createFilterEvent } from '../filter-pattern.js';
import type { LogStage } from '../log-pipeline.js';

/** What a tail follows; every given part must hold. */
export interface TailFilter {
  /** Only this group; every group when absent. */
  group?: string;
  source?: string;
  /** The lowest severity number (1–24) shown; events of level 0 (unspecified) are then left out. */
  minLevel?: number;
  pattern?: FilterPattern;
}

/** Where a tail's bytes go: one chunk at a time, only when the client asked for more. */
export interface TailSink {
  write(bytes: Uint8Array): void;
  end(): void;
}

export interface LogTailOptions {
  telemetry: Telemetry;
  /** Tails open at once on this node; one more is refused (429). */
  maxTails?: number;
  /** Matches a tail holds while its client is behind; later ones are counted as dropped. */
  maxQueuedEvents?: number;
  /** The same bound in bytes of the event stream's text. */
  maxQueuedBytes?: number;
}

const encoder = new TextEncoder();

/** The level of the `level` query parameter: a severity number or a level word; undefined when it is neither. */
export function minLevelOf(text: string): number | undefined {
  const n = severityOf(text);
  return n > 0 ? n : undefined;
}

export class LogTail {
  private queue: string[] = [];
  private queuedBytes = 0;
  private dropped = 0;
  private pingDue = false;
  /** The stream has asked for bytes and got none yet. */
  private ready = false;
  ended = false;

  constructor(
    readonly filter: TailFilter,
    private readonly sink: TailSink,
    private readonly limits: { events: number; bytes: number },
    private readonly droppedTotal: Counter,
  ) {}

  /** Whether the event passes the filter's cheap parts (all but the pattern). */
  selects(e: LogEvent): boolean {
    const f = this.filter;
    return (
      (f.group === undefined || f.group === e.group) &&
      (f.source === undefined || f.source === e.source) &&
      (f.minLevel === undefined || e.level >= f.minLevel)
    );
  }

  /** Queues one message of the stream (`event: log`), or counts it dropped when the queue is full. */
  push(text: string): void {
    // One event always fits an empty queue, however large: a tail shows every event when it keeps up.
    if (this.queue.length > 0 && (this.queue.length >= this.limits.events || this.queuedBytes > this.limits.bytes)) {
      this.dropped++;
      this.droppedTotal.inc();
      return;
    }
    this.queue.push(text);
    this.queuedBytes += text.length;
  }

  ping(): void {
    this.pingDue = true;
    this.deliver();
  }

  /** The stream asks for more: what is queued goes now, or as soon as something is. */
  pull(): void {
    this.ready = true;
    this.deliver();
  }

  /** Writes the queue as one chunk if the client is ready for it. */
  deliver(): void {
    if (!this.ready || this.ended) return;
    if (this.queue.length === 0 && this.dropped === 0 && !this.pingDue) return;
    let text = this.queue.join('');
    // The matches past the queue came after those in it: the count follows them.
    if (this.dropped > 0) text += `event: dropped\ndata: ${JSON.stringify({ count: this.dropped })}\n\n`;
    else if (this.queue.length === 0) text = ': ping\n\n';
    this.queue = [];
    this.queuedBytes = 0;
    this.dropped = 0;
    this.pingDue = false;
    this.ready = false;
    this.sink.write(encoder.encode(text));
  }

  /** Ends the stream after what is queued (a shutdown still gives a tail its last matches). */
  end(): void {
    if (this.ended) return;
    this.ready = true;
    this.deliver();
    this.ended = true;
    this.queue = [];
    this.sink.end();
  }
}

/** The `event: log` message of one event. */
export function logMessage(e: LogEvent): string {
  return `event: log\ndata: ${JSON.stringify(e)}\n\n`;
}

export class LogTailHub implements LogStage {
  readonly name = 'tail';
  private readonly tails = new Set<LogTail>();
  private closed = false;
  private readonly maxTails: number;
  private readonly limits: { events: number; bytes: number };
  private readonly sent: Counter;
  private readonly droppedTotal: Counter;

  constructor(o: LogTailOptions) {
    this.maxTails = o.maxTails ?? 100;
    this.limits = { events: o.maxQueuedEvents ?? 1000, bytes: o.maxQueuedBytes ?? 1024 * 1024 };
    this.sent = o.telemetry.counter('tocsin_logs_tail_events_total', 'Log events queued to live tails.');
    this.droppedTotal = o.telemetry.counter(
      'tocsin_logs_tail_dropped_total',
      'Log events a live tail matched but left out because its client did not keep up.',
    );
    o.telemetry.gauge('tocsin_logs_tails', 'Live log tails open on this node.', () => [{ value: this.tails.size }]);
  }

  get size(): number {
    return this.tails.size;
  }

  /** Opens a tail; undefined when the node holds as many as it may (or is closing). */
  open(filter: TailFilter, sink: TailSink): LogTail | undefined {
    if (this.closed || this.tails.size >= this.maxTails) return undefined;
    const tail = new LogTail(filter, sink, this.limits, this.droppedTotal);
    this.tails.add(tail);
    return tail;
  }

  /** The client went away. */
  forget(tail: LogTail): void {
    this.tails.delete(tail);
    tail.end();
  }

  process(events: readonly LogEvent[]): void {
    if (this.tails.size === 0) return;
    const touched = new Set<LogTail>();
    let queued = 0;
    for (const e of events) {
      let filterEvent: FilterEvent | undefined;
      let text: string | undefined;
      for (const tail of this.tails) {
        if (!tail.selects(e)) continue;
        const pattern = tail.filter.pattern;
        if (pattern) {
          // Built once per event, shared by every tail; it parses JSON or splits fields only if a pattern asks.
          filterEvent ??= createFilterEvent(e.message);
          if (!pattern.matches(filterEvent)) continue;
        }
        text ??= logMessage(e);
        tail.push(text);
        touched.add(tail);
        queued++;
      }
    }
    if (queued) this.sent.inc({}, queued);
    for (const tail of touched) tail.deliver();
  }

  /** A comment on every tail that keeps proxies from closing idle streams. */
  ping(): void {
    for (const tail of this.tails) tail.ping();
  }

  /** Ends every tail and opens no more (at shutdown, so that open tails never hold it up). */
  close(): void {
    this.closed = true;
    for (const tail of this.tails) tail.end();
    this.tails.clear();
  }
}
