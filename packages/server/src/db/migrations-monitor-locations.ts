/**
 * Migration 0019: monitors checked from several locations. A monitor's `locations` (JSON; null: the server
 * only), whether an agent runs probes (its hello says so), and the latest result of each location of each
 * monitor (monitors/location-store.ts), one row per monitor and location, so the table stays as small as
 * the monitors times their locations; rows not written for the results' retention are pruned.
 */
import type { Kysely, Migration } from 'kysely';

export const monitorLocationMigrations: Record<string, Migration> = {
  '0019_monitor_locations': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('monitors').addColumn('locations', 'text').execute();
      await db.schema
        .alterTable('agents')
        .addColumn('probes_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Keyed by the monitor's number, like the result tables: deleting a monitor deletes its rows by that number.
      await db.schema
        .createTable('monitor_locations')
        .addColumn('monitor_num', 'integer', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('latency_ms', 'integer')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_locations_pk', ['monitor_num', 'location'])
        .execute();
      await db.schema.createIndex('monitor_locations_at').on('monitor_locations').column('at').execute();
    },
  },
};
