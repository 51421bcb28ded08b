/**
 * Migrations from 0009 on: what several nodes on one PostgreSQL database
 * share (membership, partition leases, rate-limit buckets). Kept apart from
 * migrations.ts only to keep files short; the migrator sees one list, in
 * name order.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

export const scaleOutMigrations: Record<string, Migration> = {
  '0009_cluster': {
    async up(db: Kysely<any>) {
      // Nodes sharing one PostgreSQL database, and the leases of the partitions of scheduled work (see
      // cluster/lease-ownership.ts). Created on SQLite too, where they stay empty: one schema for both.
      await db.schema
        .createTable('cluster_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('stopped_at', 'bigint')
        .addColumn('info', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cluster_leases')
        .addColumn('partition', 'integer', (c) => c.primaryKey())
        .addColumn('node_id', 'text')
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0010_rate_buckets': {
    async up(db: Kysely<any>) {
      // The outbox's token buckets shared by every node (notify/shared-rate-limiter.ts), one row per destination.
      // PostgreSQL: unlogged, so a take commits without a WAL flush; a crash empties it (every bucket full).
      const pg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('rate_buckets')
        .modifyFront(pg ? sql`unlogged` : sql``)
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('rate', 'double precision', (c) => c.notNull())
        .addColumn('burst', 'double precision', (c) => c.notNull())
        .addColumn('granted', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};
