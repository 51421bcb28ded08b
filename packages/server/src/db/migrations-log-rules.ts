/**
 * Migration 0015: the log rules (logs/rules/log-rule-store.ts), one row per rule, its spec as JSON. Kept in a
 * file of its own, like the scale-out ones; the migrator sees one list, in name order.
 */
import type { Kysely, Migration } from 'kysely';

export const logRuleMigrations: Record<string, Migration> = {
  '0015_log_rules': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('log_rules')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
