import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/** An integer key the database numbers itself: SQLite's rowid, PostgreSQL's serial. */
function autoNumberType(db: Kysely<any>): 'serial' | 'integer' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'serial' : 'integer';
}

/** A 64-bit self-numbered key, for tables whose rows come and go fast: SQLite's rowid, PostgreSQL's bigserial. */
function bigAutoNumberType(db: Kysely<any>): 'bigserial' | 'integer' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bigserial' : 'integer';
}

/** The binary column type of the database the migration runs on. */
function blobType(db: Kysely<any>): 'bytea' | 'blob' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
}

/**
 * The one ordered migration list for both databases. Once a migration has
 * landed it is never edited: add a new one.
 */
/** Migrations 0001–0008: the tables of the first capabilities. Never edited once landed. */
export const baseMigrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('topics')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('topic_id', 'text', (c) => c.notNull().references('topics.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('confirm_token_hash', 'text')
        .addColumn('confirm_expires_at', 'bigint')
        .addColumn('unsubscribe_token', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('subscriptions_topic_name', ['topic_id', 'name'])
        .execute();
      await db.schema.createIndex('subscriptions_confirm').on('subscriptions').column('confirm_token_hash').execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('topic_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('source_name', 'text', (c) => c.notNull())
        .addColumn('source_tags', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_topic_time').on('events').columns(['topic_id', 'time']).execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .addColumn('latency_ms', 'integer')
        .execute();
      // The outbox reads the head of each subscription's queue through this index.
      await db.schema
        .createIndex('deliveries_queue')
        .on('deliveries')
        .columns(['status', 'subscription_id', 'id'])
        .execute();
      await db.schema.createIndex('deliveries_event').on('deliveries').column('event_id').execute();

      await db.schema
        .createTable('subscription_leases')
        .addColumn('subscription_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_monitors': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('monitors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // A small number standing for the monitor in result tables, where a text id would cost more than the result.
        .addColumn('num', 'integer', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('probe', 'text', (c) => c.notNull())
        .addColumn('interval_ms', 'integer', (c) => c.notNull())
        .addColumn('timeout_ms', 'integer', (c) => c.notNull())
        .addColumn('failure_threshold', 'integer', (c) => c.notNull())
        .addColumn('success_threshold', 'integer', (c) => c.notNull())
        .addColumn('retry_interval_ms', 'integer')
        .addColumn('reminder_ms', 'integer')
        .addColumn('topics', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('paused', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('monitor_state')
        .addColumn('monitor_id', 'text', (c) => c.primaryKey().references('monitors.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('health', 'text', (c) => c.notNull())
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
        .addColumn('consecutive_successes', 'integer', (c) => c.notNull())
        .addColumn('notified', 'text')
        .addColumn('failing_since', 'bigint')
        .addColumn('last_check_at', 'bigint')
        .addColumn('last_up', 'integer')
        .addColumn('last_reason', 'text')
        .addColumn('last_latency_ms', 'integer')
        .addColumn('last_notified_at', 'bigint')
        .addColumn('state_changed_at', 'bigint', (c) => c.notNull())
        .addColumn('next_check_at', 'bigint')
        .execute();

      // Raw results, packed: one row per monitor per few minutes (see result-codec.ts).
      await db.schema
        .createTable('check_chunks')
        .addColumn('monitor_num', 'integer', (c) => c.notNull())
        .addColumn('start_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('data', blobType(db), (c) => c.notNull())
        .addPrimaryKeyConstraint('check_chunks_pk', ['monitor_num', 'start_at'])
        .execute();
      await db.schema.createIndex('check_chunks_start').on('check_chunks').column('start_at').execute();

      await db.schema
        .createTable('check_failures')
        .addColumn('monitor_num', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .execute();
      await db.schema
        .createIndex('check_failures_monitor')
        .on('check_failures')
        .columns(['monitor_num', 'at'])
        .execute();
      await db.schema.createIndex('check_failures_at').on('check_failures').column('at').execute();

      await db.schema
        .createTable('monitor_rollups')
        .addColumn('monitor_num', 'integer', (c) => c.notNull())
        .addColumn('hour_at', 'bigint', (c) => c.notNull())
        .addColumn('checks', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('latency_sum', 'bigint', (c) => c.notNull())
        .addColumn('latency_max', 'integer', (c) => c.notNull())
        .addColumn('latency_p50', 'integer', (c) => c.notNull())
        .addColumn('latency_p95', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_rollups_pk', ['monitor_num', 'hour_at'])
        .execute();
      await db.schema.createIndex('monitor_rollups_hour').on('monitor_rollups').column('hour_at').execute();

      await db.schema
        .createTable('maintenance_windows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_heartbeats': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('heartbeats')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('ping_uuid', 'text', (c) => c.notNull().unique())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('heartbeat_state')
        .addColumn('heartbeat_id', 'text', (c) => c.primaryKey().references('heartbeats.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('next_deadline', 'bigint')
        .execute();
      // Deadlines are found through this index after a restart.
      await db.schema.createIndex('heartbeat_state_deadline').on('heartbeat_state').column('next_deadline').execute();
      await db.schema
        .createTable('heartbeat_pings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('heartbeat_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('exit_status', 'integer')
        .addColumn('rid', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('remote_addr', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('body', 'text')
        .addColumn('body_truncated', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'bigint')
        .execute();
      await db.schema
        .createIndex('heartbeat_pings_heartbeat')
        .on('heartbeat_pings')
        .columns(['heartbeat_id', 'id'])
        .execute();
      await db.schema
        .createTable('heartbeat_changes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('heartbeat_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .execute();
      await db.schema
        .createIndex('heartbeat_changes_heartbeat')
        .on('heartbeat_changes')
        .columns(['heartbeat_id', 'id'])
        .execute();
    },
  },
  '0004_metrics_alarms': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('metric_series')
        .addColumn('num', autoNumberType(db), (c) => c.primaryKey())
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        // Dimensions as canonical JSON (keys sorted), so one series is one row.
        .addColumn('dimensions', 'text', (c) => c.notNull())
        .addColumn('unit', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('metric_series_key', ['namespace', 'name', 'dimensions'])
        .execute();
      // A plain value is a statistic set of one (count 1, sum = min = max = value).
      await db.schema
        .createTable('metric_datapoints')
        .addColumn('series_num', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'double precision', (c) => c.notNull())
        .addColumn('sum', 'double precision', (c) => c.notNull())
        .addColumn('min', 'double precision', (c) => c.notNull())
        .addColumn('max', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('metric_datapoints_series_at')
        .on('metric_datapoints')
        .columns(['series_num', 'at'])
        .execute();

      // Per-minute rollups of raw datapoints, made just before the raw ones expire, kept a year.
      await db.schema
        .createTable('metric_rollups')
        .addColumn('series_num', 'integer', (c) => c.notNull())
        .addColumn('minute_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'double precision', (c) => c.notNull())
        .addColumn('sum', 'double precision', (c) => c.notNull())
        .addColumn('min', 'double precision', (c) => c.notNull())
        .addColumn('max', 'double precision', (c) => c.notNull())
        .addColumn('sketch', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('metric_rollups_pk', ['series_num', 'minute_at'])
        .execute();

      await db.schema
        .createTable('alarms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('state_changed_at', 'bigint', (c) => c.notNull())
        .addColumn('evaluated_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alarm_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alarm_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('old_state', 'text')
        .addColumn('new_state', 'text')
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alarm_history_alarm').on('alarm_history').columns(['alarm_id', 'id']).execute();

      await db.schema
        .createTable('monitor_groups')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0005_metric_ingest_log': {
    async up(db: Kysely<any>) {
      // Acknowledged PutMetricData batches, one row each, until the indexer folds them into metric_datapoints.
      await db.schema
        .createTable('metric_ingest')
        // Never reused (SQLite: AUTOINCREMENT): a node keeps copies of its batches by id until they are indexed.
        .addColumn('id', bigAutoNumberType(db), (c) =>
          db.getExecutor().adapter instanceof PostgresAdapter ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('datapoints', 'integer', (c) => c.notNull())
        .addColumn('batch', blobType(db), (c) => c.notNull())
        .execute();
      // A stored row is now a series' bucket (minute, or second at high resolution); its single values'
      // distribution, when it has more than one.
      await db.schema.alterTable('metric_datapoints').addColumn('detail', blobType(db)).execute();
    },
  },
  '0006_alarm_actions': {
    async up(db: Kysely<any>) {
      // Direct destinations: outbox queues that belong to a resource instead of a topic (an alarm's webhook action).
      await db.schema
        .createTable('destinations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('config_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('destinations_owner_config', ['owner', 'config_key'])
        .execute();
    },
  },
  '0007_ping_body_nuls': {
    async up(db: Kysely<any>) {
      // A ping body's NUL bytes are stored as U+FFFD (PostgreSQL's text holds no NUL); this says it happened.
      await db.schema
        .alterTable('heartbeat_pings')
        .addColumn('body_nuls_replaced', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0008_check_chunk_reasons': {
    async up(db: Kysely<any>) {
      // Failure reasons kept in the packed history: each chunk lists its distinct reasons (see result-codec.ts).
      await db.schema.alterTable('check_chunks').addColumn('reasons', 'text').execute();
    },
  },
};
