/** The tables of Prometheus alerts in (prom-alerts/, migration 0020). */
import type { Generated } from 'kysely';

/** One route of `alert_routes:`, its spec as JSON. */
export interface AlertRouteTable {
  name: string;
  spec: string;
}

/**
 * One alert as one route holds it, keyed by route and fingerprint: its labels, its times and where its
 * notifications stand (see prom-alerts/alert-state.ts for the states).
 */
export interface PromAlertTable {
  route: string;
  fingerprint: string;
  group_key: string;
  labels: string;
  annotations: string;
  generator_url: string | null;
  /** `firing` or `resolved`. */
  state: string;
  starts_at: number;
  ends_at: number;
  /** When the firing notification is due; null once it went out (or for a resolved alert). */
  due_at: number | null;
  /** When the last firing notification went out; null if none did. */
  sent_at: number | null;
  /** When the flush job must look at the row again (due, repeat or expiry); null for a resolved alert. */
  next_at: number | null;
  /** The topics (JSON) its firing notification went to: its resolution goes to the same ones. */
  topics: string;
  /** Its route's repeat interval when it was received. */
  repeat_ms: number;
  /** Bumped by every write: the compare-and-set that keeps two nodes from notifying twice. */
  version: Generated<number>;
  updated_at: number;
}

export interface AlertTables {
  alert_routes: AlertRouteTable;
  prom_alerts: PromAlertTable;
}
