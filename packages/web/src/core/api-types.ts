/** The shapes of the API's answers the UI reads (times are ISO 8601 strings unless named `at` in live events). */

export type Role = 'admin' | 'editor' | 'viewer';

export interface Session {
  user: { id: string; name: string; role: Role; totp: boolean };
  csrfToken: string;
  expiresAt: number;
}

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
  type: 'http' | 'tcp' | 'dns' | 'tls';
  target: Record<string, unknown> & { type: string };
  state: MonitorState;
  lastCheckAt: string | null;
  lastResult: { up: boolean; reason: string | null; latencyMs: number | null } | null;
  stateChangedAt: string | null;
  nextCheckAt: string | null;
  settings: {
    description: string | null;
    intervalMs: number;
    timeoutMs: number;
    failureThreshold: number;
    successThreshold: number;
    retryIntervalMs: number | null;
    reminderMs: number | null;
    topics: string[];
    tags: Record<string, string>;
    paused: boolean;
  };
  uptime?: Uptime;
  /** Recent latencies, oldest first, when the server sends them with the list. */
  sparkline?: (number | null)[];
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
  spec: {
    name: string;
    description?: string;
    displayName?: string;
    period?: number;
    cron?: string;
    timezone: string;
    grace: number;
    maxRuntime?: number;
    minRuntime?: number;
    failureTolerance: number;
    manualResume: boolean;
    alertWhenLate: boolean;
    topics: string[];
    tags: Record<string, string>;
    paused: boolean;
    slug?: string;
  };
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
