/**
 * Migration 0019: monitors checked from several locations. A monitor's `locations` (JSON; null: the server
 * only), whether an agent runs probes (its hello says so), and the latest result of each location of each
 * monitor (monitors/location-store.ts), one row per monitor and location, so the table stays as small as
 * the monitors times their locations; rows not written for the results' retention are pruned. And the probes
 * relayed to agents connected to another node (fleet/probe-relay.ts).
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
      // A probe for an agent held by another node, and its answer (fleet/probe-relay-store.ts); deleted when
      // its check ends, and pruned after its deadline when the checking node did not.
      await db.schema
        .createTable('probe_relays')
        .addColumn('check_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('frame', 'text', (c) => c.notNull())
        .addColumn('deadline', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .addColumn('answered_at', 'bigint')
        .addColumn('ok', 'integer')
        .addColumn('latency_ms', 'integer')
        .addColumn('message', 'text')
        .addPrimaryKeyConstraint('probe_relays_pk', ['check_id', 'agent_id'])
        .execute();
      await db.schema.createIndex('probe_relays_deadline').on('probe_relays').column('deadline').execute();
    },
  },
};
