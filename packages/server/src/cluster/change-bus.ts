/**
 * Changes made on one node (a monitor edited, an alarm added, a heartbeat
 * pinged or paused) reach the others through PostgreSQL's LISTEN/NOTIFY.
 * A writer calls `publish` inside the transaction of its change, so the
 * notice is sent exactly when the change commits and never for one that
 * rolled back. Each node listens on one connection of its own; a notice
 * names a topic (a domain) and the ids that changed, and every handler of
 * that topic reloads those ids from the database.
 *
 * Notices are not stored: while the listening connection is down (the
 * database restarted, the network broke) some are lost. So after every
 * (re)connection, handlers are told to resync: reload all they hold.
 * A node's own notices come back to it and are skipped.
 *
 * Listener states: connecting ──ok──▶ listening (resync, then notices) ──error or end──▶ waiting
 *                  (0.5 s, doubling to 5 s) ──▶ connecting; any ──close──▶ closed
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';

/**
 * The channel: one per schema (`tocsin_changes:` and the schema's name), as
 * channels are database-wide and clusters on other schemas of the same
 * database must not hear each other.
 */
export const CHANGE_CHANNEL = 'tocsin_changes:';
/** PostgreSQL's limit on a payload is 8000 bytes; ids go in notices of at most this size. */
const MAX_PAYLOAD = 7_000;

export interface ChangeHandler {
  /** Reload these ids (changed on another node). */
  changed(ids: string[]): Promise<void> | void;
  /** Reload everything: notices may have been missed. */
  resync(): Promise<void> | void;
}

export interface ChangeBus {
  /** Announces, when `q`'s transaction commits, that `ids` of `topic` changed. */
  publish(q: Kysely<Database>, topic: string, ids: readonly string[]): Promise<void>;
  on(topic: string, handler: ChangeHandler): void;
}

/** One node: nothing to tell anyone. */
export const localChangeBus: ChangeBus = {
  publish: async () => {},
  on: () => {},
};

interface Notice {
  o: string;
  t: string;
  i: string[];
}

/** Splits ids into notices under the payload limit. */
export function noticesOf(origin: string, topic: string, ids: readonly string[]): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let size = origin.length + topic.length + 30;
  for (const id of ids) {
    if (batch.length && size + id.length + 3 > MAX_PAYLOAD) {
      out.push(JSON.stringify({ o: origin, t: topic, i: batch } satisfies Notice));
      batch = [];
      size = origin.length + topic.length + 30;
    }
    batch.push(id);
    size += id.length + 3;
  }
  if (batch.length || ids.length === 0) out.push(JSON.stringify({ o: origin, t: topic, i: batch } satisfies Notice));
  return out;
}

export class PostgresChangeBus implements ChangeBus {
  private readonly handlers = new Map<string, ChangeHandler[]>();
  /** Per topic, the last change being applied: changes of a topic apply one after another, in arrival order. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Per topic, ids announced and not yet applied; and the topics being applied now. */
  private readonly pending = new Map<string, Set<string>>();
  private readonly draining = new Set<string>();
  private client?: pg.Client;
  private closed = false;
  private retryMs = 500;
  private timer?: NodeJS.Timeout;
  /** Resolves once the first connection listens (or failed once). */
  private firstConnect?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly schema?: string,
  ) {}

  async publish(q: Kysely<Database>, topic: string, ids: readonly string[]): Promise<void> {
    for (const payload of noticesOf(this.nodeId, topic, ids))
      await sql`select pg_notify(${CHANGE_CHANNEL} || current_schema(), ${payload})`.execute(q);
  }

  on(topic: string, handler: ChangeHandler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  /** Connects and listens; resolves after the first attempt (a failure is retried in the background). */
  start(): Promise<void> {
    this.firstConnect ??= this.connect();
    return this.firstConnect;
  }

  /** Stops listening; notices not yet applied are dropped, and one being applied finishes (the database is open). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending.clear();
    await this.client?.end().catch(() => {});
    await Promise.all(this.chains.values());
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      application_name: `tocsin ${this.nodeId} listen`.slice(0, 63),
      options: this.schema ? `-c search_path=${this.schema}` : undefined,
      keepAlive: true,
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.closed) return;
      failed = true;
      this.logger.warn('change listener lost its connection; reconnecting', { err: err.message });
      client.end().catch(() => {});
      this.retry();
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('connection ended')));
    client.on('notification', (n) => this.deliver(n.payload));
    try {
      await client.connect();
      const { rows } = await client.query<{ channel: string }>(
        `select quote_ident('${CHANGE_CHANNEL}' || current_schema()) as channel`,
      );
      await client.query(`listen ${rows[0]!.channel}`);
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = 500;
    await this.resyncAll();
  }

  private retry(): void {
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(5_000, this.retryMs * 2);
    this.timer = setTimeout(() => void this.connect(), wait);
    this.timer.unref();
  }

  private async resyncAll(): Promise<void> {
    const runs = [...this.handlers].map(([topic, list]) => {
      const resync = async () => {
        for (const h of list) await h.resync();
      };
      const next = (this.chains.get(topic) ?? Promise.resolve())
        .then(resync)
        .catch((err) => this.logger.warn('resync failed', { topic, err }));
      this.chains.set(topic, next);
      return next;
    });
    await Promise.all(runs);
  }

  private deliver(payload: string | undefined): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload ?? '') as Notice;
    } catch {
      return;
    }
    if (this.closed || notice.o === this.nodeId || !this.handlers.has(notice.t)) return;
    // A notice without ids (the cluster's pokes, maintenance windows) still calls the handlers, with no ids.
    const pending = this.pending.get(notice.t) ?? new Set<string>();
    for (const id of notice.i) pending.add(id);
    this.pending.set(notice.t, pending);
    if (!this.draining.has(notice.t)) this.drain(notice.t);
  }

  /**
   * Applies a topic's pending ids: those that arrive while a reload runs go
   * together in the next one (a config apply of thousands of monitors sends
   * one notice per monitor; they are read back in a few queries, not one each).
   */
  private drain(topic: string): void {
    this.draining.add(topic);
    const handlers = this.handlers.get(topic)!;
    const apply = async () => {
      for (let ids = this.pending.get(topic); ids && !this.closed; ids = this.pending.get(topic)) {
        this.pending.delete(topic);
        for (const h of handlers) await h.changed([...ids]);
      }
    };
    const next = (this.chains.get(topic) ?? Promise.resolve())
      .then(apply)
      .catch((err) => this.logger.warn('applying a change from another node failed', { topic, err }))
      .finally(() => {
        this.draining.delete(topic);
        if (this.pending.has(topic)) this.drain(topic);
      });
    this.chains.set(topic, next);
  }
}
