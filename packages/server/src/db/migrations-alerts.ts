/**
 * Migration 0020: Prometheus alerts in (prom-alerts/): the routes of `alert_routes:` and the alerts each route
 * holds, by fingerprint, with where their notifications stand.
 */
import type { Kysely, Migration } from 'kysely';

export const alertMigrations: Record<string, Migration> = {
  '0020_prom_alerts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('alert_routes')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('prom_alerts')
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('group_key', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('generator_url', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint')
        .addColumn('sent_at', 'bigint')
        .addColumn('next_at', 'bigint')
        .addColumn('topics', 'text', (c) => c.notNull())
        .addColumn('repeat_ms', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('prom_alerts_pk', ['route', 'fingerprint'])
        .execute();
      await db.schema.createIndex('prom_alerts_group').on('prom_alerts').columns(['route', 'group_key']).execute();
      await db.schema.createIndex('prom_alerts_next').on('prom_alerts').columns(['next_at']).execute();
    },
  },
};
