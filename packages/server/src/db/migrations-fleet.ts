/**
 * Migration 0017: the fleet (fleet/): enrolment tokens, agents, the last byte taken of each agent's log
 * sources, and agent groups. Secrets (enrolment tokens, agent credentials) are stored as sha256 hashes only.
 */
import type { Kysely, Migration } from 'kysely';

export const fleetMigrations: Record<string, Migration> = {
  '0017_agents': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('platform', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('credential_hash', 'text', (c) => c.notNull().unique())
        .addColumn('enrollment_token_id', 'text')
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_seen_at', 'bigint')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('offline'))
        .addColumn('offline_since', 'bigint')
        .addColumn('node', 'text')
        .addColumn('connection_id', 'text')
        .addColumn('commands_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('commands_allow', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('metrics', 'text')
        .addColumn('self_check', 'text')
        .execute();
      await db.schema.createIndex('agents_state').on('agents').columns(['state', 'last_seen_at']).execute();
      await db.schema
        .createTable('agent_log_positions')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('to_offset', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_log_positions_pk', ['agent_id', 'source'])
        .execute();
      await db.schema
        .createTable('agent_groups')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
