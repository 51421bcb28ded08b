/**
 * The shapes of the API's answers the UI reads (times are ISO 8601 strings unless named `at` in live events). Where
 * @tocsin/protocol has the schema (sessions, users, probes, monitor and heartbeat settings) the type comes from it;
 * the rest are the server's views, which have no schema.
 */
import type {
  HeartbeatSpec,
  LogEvent,
  LogGroupSpec,
  LogRuleSpec,
  MonitorCommon,
  MonitorLocations,
  ProbeSpec,
  ProbeType,
  Session,
  UserRole,
} from '@tocsin/protocol';

export type { Session };
export type Role = UserRole;

export type MonitorState = 'PENDING' | 'UP' | 'DOWN' | 'PAUSED' | 'MAINTENANCE' | string;

export interface MonitorResult {
  at: string;
  up: boolean;
  latencyMs: number | null;
  statusCode: number | null;
  reason: string | null;
}

export interface Uptime {
  '24h': number | null;
  '7d': number | null;
  '30d': number | null;
}

export interface Monitor {
  name: string;
  type: ProbeType;
  /** The probe's settings, secrets redacted. */
  target: ProbeSpec;
  state: MonitorState;
  lastCheckAt: string | null;
  lastResult: { up: boolean; reason: string | null; latencyMs: number | null } | null;
  stateChangedAt: string | null;
  nextCheckAt: string | null;
  /** The common settings, durations in milliseconds under names that say so. */
  settings: Pick<MonitorCommon, 'failureThreshold' | 'successThreshold' | 'topics' | 'tags' | 'paused'> & {
    description: string | null;
    intervalMs: number;
    timeoutMs: number;
    retryIntervalMs: number | null;
    reminderMs: number | null;
    /** Where else it is checked from (agents by tag, the quorum); null: the server only. */
    locations?: MonitorLocations | null;
  };
  uptime?: Uptime;
  /** With locations: the latest result from each (GET /api/monitors/{name}). */
  locationResults?: LocationResult[];
  /** Recent latencies, oldest first, when the server sends them with the list. */
  sparkline?: (number | null)[];
}

/** The latest result from one location of a monitor checked from several. */
export interface LocationResult {
  /** `server`, or the agent's id. */
  location: string;
  /** `server`, or the agent's host name. */
  label: string;
  status: 'up' | 'down' | 'unknown';
  latencyMs: number | null;
  message: string;
  at: string;
  /** Asked in the monitor's latest check. */
  current: boolean;
}

export interface StateChange {
  at: string;
  from: string | null;
  to: string;
  reason: string | null;
}

export interface Heartbeat {
  name: string;
  slug: string;
  state: string;
  pingUrl: string;
  slugUrl: string | null;
  lastPingAt: string | null;
  lastSuccessAt: string | null;
  expectedAt: string | null;
  /** The next expected runs (ISO), computed by the server in the heartbeat's time zone; empty while paused. */
  nextExpected: string[];
  nextDeadline: string | null;
  lastReason: string | null;
  /** As stored: the input schema's output (durations in milliseconds). */
  spec: HeartbeatSpec;
}

export interface Ping {
  id: string;
  at: string;
  kind: string;
  exitStatus: number | null;
  rid: string | null;
  method: string;
  remoteAddr: string | null;
  userAgent: string | null;
  durationMs: number | null;
  body: string | null;
  bodyTruncated: boolean;
  bodyNulsReplaced: boolean;
}

export interface Run {
  finishedAt: string;
  durationMs: number | null;
  result: string;
  exitStatus: number | null;
  rid: string | null;
}

/** A log group of `GET /api/log-groups`: its spec, and what it holds (times epoch ms or ISO, sizes in bytes). */
export interface LogGroupView extends Omit<LogGroupSpec, 'retentionDays'> {
  retentionDays: number;
  count: number;
  rawBytes: number;
  storedBytes: number;
  /** Stored blocks. */
  blocks?: number;
  /** Events in the write queue, not counted in `count` yet. */
  pending?: number;
  firstTime?: number | string;
  lastTime?: number | string;
}

/** One event of `GET /api/logs/query` and of the live tail: the stored model (times epoch ms) and its id. */
export type LogEventView = LogEvent & { id: string };

export interface LogQueryAnswer {
  events: LogEventView[];
  /** The cursor of the next page, when there is one. */
  next?: string;
  /** Blocks read, blocks the index let the query skip, lines tested. */
  scanned: { blocks: number; skipped?: number; lines: number };
}

/** What a rule did, as its kind's stage reports it (a route's throttle and breaker; other kinds their own). */
export interface LogRuleStats {
  matched?: number;
  routed?: number;
  suppressed?: number;
  lastMatchAt?: number | string | null;
  breaker?: 'closed' | 'open';
  [other: string]: unknown;
}

/** A log rule of `GET /api/log-rules` (durations in milliseconds), with what it did. */
export type LogRuleView = LogRuleSpec & { stats?: LogRuleStats };

export interface LogPatternResult {
  line: string;
  matched: boolean;
  /** What the pattern extracted: the space-delimited fields, or the JSON selectors' values. */
  fields?: Record<string, unknown>;
}

/** `GET /api/logs/pipeline`: each part's counters, as the part reports them (rendered generically). */
export interface PipelineStatus {
  parts: Record<string, unknown>;
}
