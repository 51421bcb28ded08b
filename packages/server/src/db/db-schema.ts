import type { Generated } from 'kysely';
import type { LogTables } from './db-schema-logs.js';
import type { UiTables } from './db-schema-ui.js';
import type { ArchiveTables } from './db-schema-archive.js';
import type { FleetTables } from './db-schema-fleet.js';
import type { AlertTables } from './db-schema-alerts.js';
import type { CommandTables } from './db-schema-commands.js';

/**
 * Table shapes for Kysely. Times are epoch milliseconds, JSON is text,
 * booleans are 0/1, ids are text (UUIDv7).
 */
export interface ApiTokenTable {
  id: string;
  name: string;
  scope: 'admin' | 'write' | 'read' | 'ingest';
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface TopicTable {
  id: string;
  name: string;
  display_name: string | null;
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface SubscriptionTable {
  id: string;
  topic_id: string;
  name: string;
  protocol: string;
  /** The non-secret part of the spec as JSON (endpoint, filter, retry, options). */
  spec: string;
  /** Secret fields as JSON: { field: { value, ref? } }. */
  secrets: string;
  status: 'pending' | 'confirmed' | 'unsubscribed';
  confirm_token_hash: string | null;
  confirm_expires_at: number | null;
  unsubscribe_token: string;
  created_at: number;
  updated_at: number;
}

export interface EventTable {
  id: string;
  topic_id: string;
  kind: string;
  severity: string;
  source_type: string;
  source_name: string;
  source_tags: string;
  title: string;
  text: string;
  attributes: string;
  dedup_key: string;
  time: number;
  created_at: number;
}

export interface DeliveryTable {
  id: string;
  event_id: string;
  /** The queue: a subscription's id, or a direct destination's. */
  subscription_id: string;
  /** `event` for a published event, `confirmation` for an e-mail confirmation request. */
  purpose: 'event' | 'confirmation';
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_status: number | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  latency_ms: number | null;
}

/**
 * A direct destination: a channel config owned by a resource (`alarm/<id>`)
 * instead of a topic; its id keys an outbox queue as a subscription's does.
 */
export interface DestinationTable {
  id: string;
  owner: string;
  /** What deliveries show as their topic (`alarm:<name>`). */
  label: string;
  name: string;
  protocol: string;
  spec: string;
  secrets: string;
  /** A hash of the whole config: a changed config is a new destination. */
  config_key: string;
  created_at: number;
}

/** Which node works a subscription's queue; expired leases move to another node. */
export interface SubscriptionLeaseTable {
  subscription_id: string;
  owner: string;
  expires_at: number;
}

/** A token bucket of the outbox, shared by every node (see notify/shared-rate-limiter.ts). */
export interface RateBucketTable {
  /** `protocol:destinationKey`. */
  key: string;
  /** Tokens left after the last take. */
  tokens: number;
  /** The time of the last take, by the latest clock of the takers (it never goes back). */
  updated_at: number;
  /** The rate (per second) and burst of the last take. */
  rate: number;
  burst: number;
  /** 1 when the last take got a token, else 0. */
  granted: number;
}

export interface KvTable {
  key: string;
  value: string;
}

export interface MonitorTable {
  id: string;
  num: number;
  name: string;
  type: string;
  /** The probe's settings as JSON (everything but the common monitor fields). */
  probe: string;
  interval_ms: number;
  timeout_ms: number;
  failure_threshold: number;
  success_threshold: number;
  retry_interval_ms: number | null;
  reminder_ms: number | null;
  topics: string;
  tags: string;
  description: string | null;
  paused: number;
  /** JSON: where else it is checked from (agents by tag, the quorum); null: the server only. */
  locations: string | null;
  created_at: number;
  updated_at: number;
}

/** The latest result of each location of a monitor checked from several (migration 0019). */
export interface MonitorLocationTable {
  monitor_num: number;
  /** `server`, or the agent's id. */
  location: string;
  label: string;
  /** up | down | unknown (no answer by the deadline) */
  status: string;
  latency_ms: number | null;
  message: string;
  at: number;
}

export interface MonitorStateTable {
  monitor_id: string;
  state: string;
  health: string;
  consecutive_failures: number;
  consecutive_successes: number;
  notified: string | null;
  failing_since: number | null;
  last_check_at: number | null;
  last_up: number | null;
  last_reason: string | null;
  last_latency_ms: number | null;
  last_notified_at: number | null;
  state_changed_at: number;
  next_check_at: number | null;
}

export interface CheckChunkTable {
  monitor_num: number;
  start_at: number;
  count: number;
  data: Buffer;
  /** JSON list of the chunk's distinct failure reasons; null in chunks written before reasons were kept. */
  reasons: string | null;
}

export interface CheckFailureTable {
  monitor_num: number;
  at: number;
  reason: string;
  status_code: number | null;
}

export interface MonitorRollupTable {
  monitor_num: number;
  hour_at: number;
  checks: number;
  failures: number;
  latency_sum: number;
  latency_max: number;
  latency_p50: number;
  latency_p95: number;
}

export interface MaintenanceWindowTable {
  id: string;
  name: string;
  spec: string;
  created_at: number;
  updated_at: number;
}

export interface HeartbeatTable {
  id: string;
  name: string;
  slug: string;
  /** The ping secret: it can ping and do nothing else. */
  ping_uuid: string;
  spec: string;
  created_at: number;
  updated_at: number;
}

export interface HeartbeatStateTable {
  heartbeat_id: string;
  state: string;
  /** The state machine's runtime as JSON. */
  runtime: string;
  next_deadline: number | null;
}

export interface HeartbeatPingTable {
  id: string;
  heartbeat_id: string;
  at: number;
  kind: string;
  exit_status: number | null;
  rid: string | null;
  method: string;
  remote_addr: string | null;
  user_agent: string | null;
  body: string | null;
  body_truncated: number;
  body_nuls_replaced: number;
  duration_ms: number | null;
}

export interface MetricSeriesTable {
  num: Generated<number>;
  namespace: string;
  name: string;
  dimensions: string;
  unit: string | null;
  created_at: number;
}

export interface MetricDatapointTable {
  series_num: number;
  at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** The distribution of the row's single values (distribution.ts); null for one plain value or statistic sets only. */
  detail: Buffer | null;
}

export interface MetricIngestTable {
  id: Generated<number>;
  created_at: number;
  datapoints: number;
  batch: Buffer;
}

export interface MetricRollupTable {
  series_num: number;
  minute_at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: string;
}

export interface AlarmTable {
  id: string;
  name: string;
  spec: string;
  state: string;
  reason: string;
  state_changed_at: number;
  evaluated_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AlarmHistoryTable {
  id: string;
  alarm_id: string;
  at: number;
  kind: 'state' | 'action';
  old_state: string | null;
  new_state: string | null;
  summary: string;
  data: string;
}

export interface MonitorGroupTable {
  name: string;
  spec: string;
}

export interface HeartbeatChangeTable {
  id: string;
  heartbeat_id: string;
  at: number;
  from_state: string;
  to_state: string;
  reason: string | null;
}

/** One transition of a monitor's shown state (PENDING, UP, DOWN, PAUSED, MAINTENANCE). */
export interface MonitorChangeTable {
  monitor_num: number;
  at: number;
  from_state: string;
  to_state: string;
  reason: string | null;
  status_code: number | null;
  latency_ms: number | null;
}

export interface ClusterNodeTable {
  id: string;
  instance: string;
  address: string;
  version: string;
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
  info: string;
}

export interface ClusterLeaseTable {
  partition: number;
  node_id: string | null;
  epoch: number;
  expires_at: number;
}

export interface Database extends AlertTables, LogTables, UiTables, ArchiveTables, FleetTables, CommandTables {
  cluster_nodes: ClusterNodeTable;
  cluster_leases: ClusterLeaseTable;
  heartbeat_changes: HeartbeatChangeTable;
  metric_series: MetricSeriesTable;
  metric_datapoints: MetricDatapointTable;
  metric_ingest: MetricIngestTable;
  metric_rollups: MetricRollupTable;
  alarms: AlarmTable;
  alarm_history: AlarmHistoryTable;
  monitor_groups: MonitorGroupTable;
  heartbeats: HeartbeatTable;
  heartbeat_state: HeartbeatStateTable;
  heartbeat_pings: HeartbeatPingTable;
  monitors: MonitorTable;
  monitor_state: MonitorStateTable;
  monitor_changes: MonitorChangeTable;
  monitor_locations: MonitorLocationTable;
  check_chunks: CheckChunkTable;
  check_failures: CheckFailureTable;
  monitor_rollups: MonitorRollupTable;
  maintenance_windows: MaintenanceWindowTable;
  api_tokens: ApiTokenTable;
  topics: TopicTable;
  subscriptions: SubscriptionTable;
  events: EventTable;
  deliveries: DeliveryTable;
  destinations: DestinationTable;
  subscription_leases: SubscriptionLeaseTable;
  rate_buckets: RateBucketTable;
  kv: KvTable;
}
export type { ArchiveDayTable, ArchiveJobTable, ArchiveRunTable } from './db-schema-archive.js';
export type { AgentGroupTable, AgentLogPositionTable, AgentTable, EnrollmentTokenTable } from './db-schema-fleet.js';
export type { IncidentTable, IncidentUpdateTable, SessionTable, StatusPageTable, UserTable } from './db-schema-ui.js';
export type { LogBlockTable, LogGroupTable, LogRuleTable } from './db-schema-logs.js';
