/**
 * The live stream's one fan-out. Modules call `emit(change)` once a state
 * change has committed; changes emitted within one turn of the event loop
 * are serialised once, as one chunk of `event: change` messages, and the
 * same bytes are written to every open stream. The browser's cost to the
 * server is this write, never a query per client.
 *
 * Several nodes: the batch is also announced on the change bus (topic
 * `live`, each id a change's JSON), and a batch from another node is written
 * to this node's streams as it came, without parsing it again. A bus that
 * reconnected may have missed some: every stream is told `event: resync`.
 * `resync()` after a bulk change (a config apply) tells every stream of
 * every node the same, through the same path (the bus id `resync`).
 *
 * Stream states: open ──(its buffer passes the bound: the client is too
 * slow)──▶ dropped | open ──(client went away, or close())──▶ ended.
 * A dropped or ended stream is forgotten at once; EventSource reconnects.
 */
import type { Logger } from '../core/logger.js';
import type { Counter, Telemetry } from '../core/telemetry.js';

/** One state change, as the stream sends it (the contract's `data` of `event: change`). */
export interface LiveChange {
  type: 'monitor' | 'heartbeat' | 'alarm' | 'delivery' | 'incident' | 'maintenance' | 'status-page';
  name: string;
  state: string;
  at: number;
  [extra: string]: unknown;
}

/** What every module sees of the hub (`ctx.live`). */
export interface LiveEmitter {
  /** After the commit of a state change: sends it to every open stream (this node's and, in a cluster, all). */
  emit(change: LiveChange): void;
  /** After the commit of a change too large to send one by one (a config apply): every page refetches. */
  resync(): void;
}

/** One open stream, as the hub writes it. */
export interface LiveStream {
  /** Bytes written and not yet taken by the client. */
  readonly buffered: number;
  write(bytes: Uint8Array): void;
  /** Ends the stream once what is written has gone out. */
  end(): void;
  /** Ends it now, dropping what is buffered (a client too slow). */
  drop(): void;
}

export interface LiveHubOptions {
  logger: Logger;
  telemetry: Telemetry;
  /** Streams open at once on this node; one more is refused. */
  maxStreams?: number;
  /** A stream whose unsent bytes pass this is closed. */
  maxBufferedBytes?: number;
  /** Announces a batch to the other nodes (after its commit); nothing on one node. */
  announce?: (changes: readonly string[]) => Promise<void>;
}

/** Longest string field of a change: a notice on the bus holds at most 7,000 bytes. */
const MAX_FIELD_CHARS = 500;
const encoder = new TextEncoder();
/** A batch entry (and bus id) that stands for `event: resync`; a change's JSON always starts with `{`. */
export const RESYNC = 'resync';
const RESYNC_MESSAGE = message('resync', '{}');

/** The change's JSON, its long strings cut (reasons, bodies). */
export function changeJson(change: LiveChange): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(change))
    if (v !== undefined)
      out[k] = typeof v === 'string' && v.length > MAX_FIELD_CHARS ? `${v.slice(0, MAX_FIELD_CHARS)}…` : v;
  return JSON.stringify(out);
}

export function message(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export class LiveHub implements LiveEmitter {
  private readonly streams = new Set<LiveStream>();
  /** JSON of changes emitted here and of changes from other nodes, waiting for the end of this turn. */
  private local: string[] = [];
  private remote: string[] = [];
  private scheduled = false;
  private closed = false;
  private readonly maxStreams: number;
  private readonly maxBuffered: number;
  private readonly changesTotal: Counter;
  private readonly dropped: Counter;
  /** Batches serialised (tests count them: one per batch, whatever the number of streams). */
  serialisations = 0;

  constructor(private readonly o: LiveHubOptions) {
    this.maxStreams = o.maxStreams ?? 1000;
    this.maxBuffered = o.maxBufferedBytes ?? 256 * 1024;
    this.changesTotal = o.telemetry.counter('tocsin_live_changes_total', 'State changes sent on the live stream.');
    this.dropped = o.telemetry.counter(
      'tocsin_live_dropped_total',
      'Live streams closed because the client did not keep up.',
    );
    o.telemetry.gauge('tocsin_live_streams', 'Live streams open on this node.', () => [{ value: this.streams.size }]);
  }

  get size(): number {
    return this.streams.size;
  }

  emit(change: LiveChange): void {
    if (this.closed) return;
    this.local.push(changeJson(change));
    this.schedule();
  }

  /** Changes announced by another node (their JSON as it was sent). */
  receive(changes: readonly string[]): void {
    if (this.closed || changes.length === 0) return;
    this.remote.push(...changes);
    this.schedule();
  }

  /** Every stream of every node must refetch what it shows; sent in order with the changes of this turn. */
  resync(): void {
    if (this.closed) return;
    this.local.push(RESYNC);
    this.schedule();
  }

  /** This node's streams must refetch what they show (its bus listener reconnected: notices may be lost). */
  resyncHere(): void {
    this.broadcast(encoder.encode(RESYNC_MESSAGE));
  }

  /** A comment that keeps proxies from closing idle streams. */
  ping(): void {
    if (this.streams.size) this.broadcast(encoder.encode(': ping\n\n'));
  }

  /** Adds a stream and sends it `hello`; false when the node holds as many as it may (or is closing). */
  open(stream: LiveStream, now: number): boolean {
    if (this.closed || this.streams.size >= this.maxStreams) return false;
    this.streams.add(stream);
    stream.write(encoder.encode(message('hello', JSON.stringify({ at: now }))));
    return true;
  }

  /** The client went away. */
  forget(stream: LiveStream): void {
    this.streams.delete(stream);
  }

  /** Ends every stream and takes no more (at shutdown, so that open streams never hold it up). */
  close(): void {
    this.closed = true;
    for (const s of this.streams) s.end();
    this.streams.clear();
    this.local = [];
    this.remote = [];
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const local = this.local;
    const all = [...local, ...this.remote];
    this.local = [];
    this.remote = [];
    if (all.length === 0) return;
    const resyncs = all.filter((json) => json === RESYNC).length;
    if (all.length > resyncs) this.changesTotal.inc({}, all.length - resyncs);
    if (local.length && this.o.announce)
      this.o.announce(local).catch((err) => this.o.logger.warn('announcing live changes failed', { err }));
    if (this.streams.size === 0) return;
    this.serialisations++;
    let text = '';
    let resynced = false;
    for (const json of all) {
      if (json !== RESYNC) text += message('change', json);
      else if (!resynced) text += RESYNC_MESSAGE;
      resynced ||= json === RESYNC;
    }
    this.broadcast(encoder.encode(text));
  }

  private broadcast(bytes: Uint8Array): void {
    for (const s of this.streams) {
      // Judged by the backlog before this write: a client that keeps up takes any batch, however large.
      if (s.buffered > this.maxBuffered) {
        this.streams.delete(s);
        this.dropped.inc();
        s.drop();
        continue;
      }
      s.write(bytes);
    }
  }
}
