/**
 * Migration 0018: command runs (fleet/command-store.ts) and their invocations, one per target host. A run row
 * keeps what was asked, by whom, the targets resolved at start and the expected count; an invocation row is
 * the truth of one host's progress, moved only by compare-and-set on its status.
 */
import type { Kysely, Migration } from 'kysely';

export const commandMigrations: Record<string, Migration> = {
  '0018_commands': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('command_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('command', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('selector', 'text', (c) => c.notNull())
        .addColumn('expected', 'integer', (c) => c.notNull())
        .addColumn('expected_from', 'text', (c) => c.notNull())
        .addColumn('targets', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stopped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema.createIndex('command_runs_created').on('command_runs').columns(['created_at']).execute();
      await db.schema
        .createTable('command_invocations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .addColumn('sent_at', 'bigint')
        .addColumn('cancel_sent_at', 'bigint')
        .addColumn('node', 'text')
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('exit_code', 'integer')
        .addColumn('stdout', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('stderr', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('stdout_truncated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stderr_truncated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .execute();
      await db.schema
        .createIndex('command_invocations_run')
        .on('command_invocations')
        .columns(['run_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('command_invocations_agent')
        .on('command_invocations')
        .columns(['agent_id', 'status'])
        .execute();
    },
  },
};
