/**
 * Migration 0014: log groups and the compressed blocks their events are stored in (logs/log-block-store.ts).
 * Kept in a file of its own, like the scale-out ones; the migrator sees one list, in name order.
 */
import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/** The binary column type of the database the migration runs on. */
function blobType(db: Kysely<any>): 'bytea' | 'blob' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
}

export const logMigrations: Record<string, Migration> = {
  '0014_logs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('log_groups')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('retention_days', 'integer', (c) => c.notNull())
        // JSON: the group's match ({sources?, labels?}), or null.
        .addColumn('match', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // One row per block of up to a few thousand events of one group (logs/log-block-codec.ts): the time range,
      // sizes, the highest level and a bloom filter of the messages' trigrams let a query skip a block unread.
      await db.schema
        .createTable('log_blocks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('raw_bytes', 'bigint', (c) => c.notNull())
        .addColumn('stored_bytes', 'bigint', (c) => c.notNull())
        .addColumn('codec', 'text', (c) => c.notNull())
        .addColumn('level_max', 'integer', (c) => c.notNull())
        // 1 when a message holds a `\u` escape: a JSON value may then not be in the text as it reads.
        .addColumn('escapes', 'integer', (c) => c.notNull())
        .addColumn('bloom', blobType(db), (c) => c.notNull())
        .addColumn('body', blobType(db), (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('log_blocks_group_end')
        .on('log_blocks')
        .columns(['group_name', 'end_time'])
        .execute();
      await db.schema
        .createIndex('log_blocks_group_start')
        .on('log_blocks')
        .columns(['group_name', 'start_time'])
        .execute();
    },
  },
};
