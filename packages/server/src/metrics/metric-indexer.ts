/**
 * Folds the ingest log (`metric_ingest`, one row per acknowledged batch)
 * into `metric_datapoints`, one row per series and bucket. Acknowledging a
 * batch costs one sequential insert; indexing many batches in one
 * transaction then touches each series' index pages once instead of once
 * a request, which is what lets one core store hundreds of thousands of
 * datapoints a second.
 *
 * The claim, the inserts and the delete of the claimed log rows commit
 * together, so a batch is indexed exactly once: a node that dies mid-way
 * rolls back and any node (PostgreSQL: FOR UPDATE SKIP LOCKED) takes the
 * rows on its next sweep. Readers call `caughtUp()` first, which waits for
 * everything this node acknowledged before the call; other nodes' batches
 * are indexed within FLUSH_DELAY_MS by them, or by the sweep.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import type { DialectName } from '../db/database.js';
import type { Logger } from '../core/logger.js';
import { foldBatches } from './ingest-log-store.js';
import { Aggregator } from './metric-batch.js';

/** After an acknowledgement, the wait before indexing, so that batches arriving meanwhile go together. */
const FLUSH_DELAY_MS = 200;
/** Datapoints folded in one transaction at most: bounds the time other writers wait on SQLite. */
const MAX_DATAPOINTS_PER_TX = 50_000;
const CLAIM_ROWS = 500;
/** How long this node keeps a copy of a batch it wrote; one another node indexed is dropped after this. */
const OWN_COPY_MS = 60_000;

export class MetricIndexer {
  private acked = 0;
  private indexed = 0;
  /**
   * Batches this node wrote, by log id, so that indexing them need not read them back (PostgreSQL sends bytea back as
   * hex text).
   */
  private readonly own = new Map<number, { data: Float64Array; at: number }>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly logger: Logger,
  ) {}

  /** Notes that a batch of this node has committed to the log as row `id`. */
  noteAcked(id: number, data: Float64Array): void {
    this.acked++;
    this.own.set(id, { data, at: Date.now() });
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((err) =>
          this.logger.warn('indexing metric datapoints failed; retried on the next batch or sweep', { err }),
        );
      }, FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Resolves once every batch this node acknowledged before the call is indexed. */
  async caughtUp(): Promise<void> {
    const target = this.acked;
    while (this.indexed < target) await this.flush();
  }

  /** Indexes every batch in the log (any node's); joins a flush already running. */
  flush(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the delayed flush and indexes what is left. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async run(): Promise<void> {
    const upTo = this.acked;
    while (await this.foldOnce()) {
      // Let requests and evaluations in between transactions.
      await new Promise((r) => setImmediate(r));
    }
    this.indexed = Math.max(this.indexed, upTo);
    const stale = Date.now() - OWN_COPY_MS;
    for (const [id, copy] of this.own) if (copy.at < stale) this.own.delete(id);
  }

  /** One transaction; true when the log may hold more. */
  private async foldOnce(): Promise<boolean> {
    const { claimed, ids } = await foldBatches(this.db, this.dialect, CLAIM_ROWS, async (heads, read) => {
      const picked: number[] = [];
      let total = 0;
      for (const h of heads) {
        if (picked.length && total + h.datapoints > MAX_DATAPOINTS_PER_TX) break;
        picked.push(h.id);
        total += h.datapoints;
      }
      const agg = new Aggregator();
      const others = picked.filter((id) => !this.own.has(id));
      for (const id of picked) if (this.own.has(id)) agg.add(this.own.get(id)!.data);
      for (const batch of await read(others)) agg.add(batch);
      return { ids: picked, rows: agg.rows() };
    });
    // Dropped only after the commit: a rolled-back fold reads them again.
    for (const id of ids) this.own.delete(id);
    return claimed > 0 && (ids.length < claimed || claimed === CLAIM_ROWS);
  }
}
