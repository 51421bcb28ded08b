/**
 * Prometheus alerts in: what `POST /api/v2/alerts` receives becomes, per route that takes it, one row of
 * `prom_alerts` keyed by route and fingerprint, and Tocsin events when it changes state.
 *
 * States of one alert in one route:
 *   (none) or resolved ──firing received──▶ firing, due at the group's notification time:
 *       group_wait after the group's first alert, or group_interval after the group last notified
 *   firing, due ──due_at passes──▶ firing, sent: publishes alert.firing
 *   firing, sent ──repeat_interval after it was sent──▶ firing, sent again: publishes alert.firing
 *   firing ──received with endsAt in the past, or its endsAt passes unrenewed──▶ resolved:
 *       publishes alert.resolved (severity ok) once, if its firing was published
 * A firing alert received again only moves its endsAt (Prometheus sends now + 4 × its evaluation interval)
 * and its annotations: nothing is published. Every transition is an update guarded by the row's version
 * (compare-and-set), in the transaction that publishes its event, so two nodes never publish one twice.
 */
import type { Kysely } from 'kysely';
import type { AlertRouteSpec, PostableAlert } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import { alertEvent } from './alert-events.js';
import { fingerprintOf, groupKeyOf } from './alert-fingerprint.js';
import type { AlertRouteService } from './alert-route-service.js';
import {
  type AlertRow,
  type AlertWrite,
  dueAlerts,
  findAlert,
  firingOfGroup,
  insertAlert,
  listAlerts,
  updateAlert,
} from './alert-store.js';

/** An alert sent without endsAt lasts this long unless sent again (Alertmanager's resolve_timeout). */
export const RESOLVE_TIMEOUT_MS = 5 * 60_000;
/** Rows one flush looks at; the rest wait for the next one. */
const FLUSH_BATCH = 500;
/** Writes retried when another node's write to the same alert came first. */
const ATTEMPTS = 5;
/** The most alerts the list answers. */
const LIST_LIMIT = 1000;

type Route = { key: string; spec: AlertRouteSpec };

function nextAtOf(w: Pick<AlertWrite, 'state' | 'dueAt' | 'endsAt' | 'sentAt' | 'repeatMs'>): number | null {
  if (w.state !== 'firing') return null;
  const repeat = w.sentAt === null ? Number.POSITIVE_INFINITY : w.sentAt + w.repeatMs;
  return Math.min(w.dueAt ?? Number.POSITIVE_INFINITY, w.endsAt, repeat);
}

function writeOf(row: AlertRow, changes: Partial<AlertWrite>): AlertWrite {
  const { route: _r, fingerprint: _f, version: _v, ...fields } = row;
  const w = { ...fields, ...changes };
  return { ...w, nextAt: nextAtOf(w) };
}

export interface ReceiveCounts {
  alerts: number;
  published: number;
}

export class AlertService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly routes: AlertRouteService,
    private readonly publisher: PublishService,
  ) {}

  /** Takes a batch as Prometheus posts it, in one transaction. */
  async receive(alerts: readonly PostableAlert[]): Promise<ReceiveCounts> {
    const now = this.clock.now();
    let published = 0;
    // Rows are written in key order, as the flush writes them: two transactions never wait on each other in a cycle.
    const taken = alerts
      .flatMap((alert) => this.routes.routesFor(alert.labels).map((route) => ({ alert, route })))
      .map((t) => ({ ...t, key: `${t.route.key}\u0000${fingerprintOf(t.alert.labels)}` }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    await this.db.transaction().execute(async (trx) => {
      for (const { alert, route } of taken) published += await this.take(trx, route, alert, now);
    });
    if (published > 0) this.publisher.notifyQueued();
    return { alerts: alerts.length, published };
  }

  /** The firing alerts held, newest first. */
  async firing(): Promise<AlertRow[]> {
    return (await listAlerts(this.db, LIST_LIMIT)).filter((r) => r.state === 'firing');
  }

  /** Publishes what is due: groups whose wait ended, repeats, alerts whose endsAt passed. */
  async flush(): Promise<number> {
    const now = this.clock.now();
    const rows = await dueAlerts(this.db, now, FLUSH_BATCH);
    if (rows.length === 0) return 0;
    let published = 0;
    const key = (r: AlertRow) => `${r.route}\u0000${r.fingerprint}`;
    rows.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) published += await this.step(trx, row, now);
    });
    if (published > 0) this.publisher.notifyQueued();
    return published;
  }

  /** One alert in one route; the number of events published. */
  private async take(trx: Kysely<Database>, route: Route, alert: PostableAlert, now: number): Promise<number> {
    const fingerprint = fingerprintOf(alert.labels);
    const resolved = alert.endsAt !== undefined && alert.endsAt <= now;
    const endsAt = alert.endsAt ?? now + RESOLVE_TIMEOUT_MS;
    const renewed = { annotations: alert.annotations, generatorUrl: alert.generatorURL ?? null, updatedAt: now };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const row = await findAlert(trx, route.key, fingerprint);
      if (resolved) {
        if (row?.state !== 'firing') return 0;
        const done = await this.resolve(trx, row, { ...renewed, endsAt }, now);
        if (done !== undefined) return done;
        continue;
      }
      if (row?.state === 'firing') {
        if (await updateAlert(trx, row, writeOf(row, { ...renewed, endsAt }))) return 0;
        continue;
      }
      const groupKey = groupKeyOf(alert.labels, route.spec.groupBy);
      const dueAt = await this.dueFor(trx, route, groupKey, now);
      const fields = {
        ...renewed,
        groupKey,
        labels: alert.labels,
        state: 'firing' as const,
        startsAt: alert.startsAt ?? now,
        endsAt,
        dueAt,
        sentAt: null,
        topics: route.spec.topics,
        repeatMs: route.spec.repeatInterval,
      };
      const w = { ...fields, nextAt: nextAtOf(fields) };
      const written = row ? await updateAlert(trx, row, w) : await insertAlert(trx, route.key, fingerprint, w);
      if (!written) continue;
      if (dueAt > now) return 0;
      const fresh = await findAlert(trx, route.key, fingerprint);
      return fresh ? this.step(trx, fresh, now) : 0;
    }
    throw new Error(`alert ${fingerprint} of route ${route.key}: ${ATTEMPTS} writes lost to other writers`);
  }

  /** When a new alert of a group notifies: with the group's pending ones, after its interval, or after the wait. */
  private async dueFor(trx: Kysely<Database>, route: Route, groupKey: string, now: number): Promise<number> {
    const group = await firingOfGroup(trx, route.key, groupKey);
    const pending = group.flatMap((g) => (g.dueAt === null ? [] : [g.dueAt]));
    if (pending.length) return Math.min(...pending);
    const sent = group.flatMap((g) => (g.sentAt === null ? [] : [g.sentAt]));
    if (sent.length) return Math.max(now, Math.max(...sent) + route.spec.groupInterval);
    return now + route.spec.groupWait;
  }

  /** The transition due for a row at `now`, if any; the number of events published (0 if another node won). */
  private async step(trx: Kysely<Database>, row: AlertRow, now: number): Promise<number> {
    if (row.state !== 'firing') return 0;
    if (row.endsAt <= now) return (await this.resolve(trx, row, {}, now)) ?? 0;
    const due = row.dueAt !== null && row.dueAt <= now;
    const repeat = row.sentAt !== null && row.sentAt + row.repeatMs <= now;
    if (!due && !repeat) return 0;
    if (!(await updateAlert(trx, row, writeOf(row, { dueAt: null, sentAt: now, updatedAt: now })))) return 0;
    await this.publish(trx, row, 'firing', now);
    return 1;
  }

  /** Resolves a firing alert; undefined if another write came first. */
  private async resolve(
    trx: Kysely<Database>,
    row: AlertRow,
    changes: Partial<AlertWrite>,
    now: number,
  ): Promise<number | undefined> {
    const w = writeOf(row, { ...changes, state: 'resolved', dueAt: null, updatedAt: now });
    if (!(await updateAlert(trx, row, w))) return undefined;
    if (row.sentAt === null) return 0;
    await this.publish(trx, { ...row, ...w }, 'resolved', now);
    return 1;
  }

  private async publish(trx: Kysely<Database>, row: AlertRow, kind: 'firing' | 'resolved', now: number) {
    const groupBy = this.routes.byKey(row.route)?.groupBy ?? [];
    const group = Object.fromEntries(groupBy.map((name) => [name, row.labels[name] ?? '']));
    await this.publisher.publishIn(trx, row.topics, alertEvent({ ...row, group }, kind, now));
  }
}
