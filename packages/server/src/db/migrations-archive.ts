/**
 * Migration 0016: archive jobs (archive/archive-store.ts), the days each has written for each group, and its
 * runs. A day row is the truth for retention's hold and for catch-up; a run row is what a person reads.
 */
import type { Kysely, Migration } from 'kysely';

export const archiveMigrations: Record<string, Migration> = {
  '0016_archives': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('archive_jobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('archive_days')
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('lines', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('stored_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('parts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('retry_at', 'bigint')
        .addColumn('archived_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('archive_days_pk', ['job', 'group_name', 'day'])
        .execute();
      await db.schema
        .createTable('archive_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('from_day', 'text')
        .addColumn('to_day', 'text')
        .addColumn('groups', 'text')
        .addColumn('node', 'text')
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('days_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('days_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lines', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('stored_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('written', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('archive_runs_job').on('archive_runs').columns(['job', 'requested_at']).execute();
    },
  },
};
