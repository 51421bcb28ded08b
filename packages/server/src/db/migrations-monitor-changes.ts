/**
 * Migration 0013: the history of each monitor's shown state (monitors/monitor-change-store.ts), one row per
 * transition, written in the transaction that writes the state. Kept in a file of its own, like the scale-out
 * ones; the migrator sees one list, in name order.
 */
import type { Kysely, Migration } from 'kysely';

export const monitorChangeMigrations: Record<string, Migration> = {
  '0013_monitor_changes': {
    async up(db: Kysely<any>) {
      // Keyed by the monitor's number, like the result tables: deleting a monitor deletes its rows by that number.
      await db.schema
        .createTable('monitor_changes')
        .addColumn('monitor_num', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('status_code', 'integer')
        .addColumn('latency_ms', 'integer')
        .execute();
      await db.schema
        .createIndex('monitor_changes_monitor')
        .on('monitor_changes')
        .columns(['monitor_num', 'at'])
        .execute();
      await db.schema.createIndex('monitor_changes_at').on('monitor_changes').column('at').execute();
    },
  },
};
