/**
 * Heartbeats: CRUD, views, and the entry point of pings. Every heartbeat
 * lives in memory (the registry) and in the database; its next deadline is
 * stored, indexed, and held by the scheduler.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { heartbeatInputSchema, type HeartbeatSpec } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { randomToken, uuidv7 } from '../core/ids.js';
import { singleNodeFence, type Fence } from '../cluster/fence.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { cronProblem, upcoming } from './heartbeat-schedule.js';
import { rulesOf, type HeartbeatEntry, type HeartbeatRegistry } from './heartbeat-registry.js';
import { initialHeartbeat, nextDeadline, type HeartbeatRuntime } from './heartbeat-state.js';
import * as store from './heartbeat-store.js';
import type { PingWriter } from './ping-writer.js';

export const DEADLINE_JOB = 'heartbeat-deadline';

/** Sets (or, with null, cancels) a heartbeat's deadline in the scheduler: what the ping writer calls after commit. */
export function deadlineScheduler(scheduler: Scheduler): (id: string, at: number | null) => void {
  return (id, at) => (at === null ? scheduler.cancel(DEADLINE_JOB, id) : scheduler.schedule(DEADLINE_JOB, id, at));
}

/** A heartbeat's runtime after its `paused` setting: paused, or resumed (NEW or UP, not late at once). */
export function pauseOrResume(runtime: HeartbeatRuntime, paused: boolean, now: number): HeartbeatRuntime {
  if (paused && runtime.state !== 'PAUSED') return { ...runtime, state: 'PAUSED', stateChangedAt: now };
  if (!paused && runtime.state === 'PAUSED')
    return {
      ...runtime,
      state: runtime.lastSuccessAt === null ? 'NEW' : 'UP',
      stateChangedAt: now,
      expectedAt: Math.max(runtime.expectedAt, now),
    };
  return runtime;
}

export interface HeartbeatView {
  name: string;
  slug: string;
  state: string;
  pingUrl: string;
  slugUrl: string;
  lastPingAt: string | null;
  lastSuccessAt: string | null;
  expectedAt: string;
  /** The next expected runs (the awaited one first), from the schedule in the heartbeat's time zone; none paused. */
  nextExpected: string[];
  nextDeadline: string | null;
  lastReason: string | null;
  spec: Record<string, unknown>;
}

export class HeartbeatService {
  private pingKey = '';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: HeartbeatRegistry,
    private readonly scheduler: Scheduler,
    private readonly writer: PingWriter,
    private readonly publicUrl: () => string,
    /** Names of the topics that exist, seen through `q` (a heartbeat may only name those). */
    private readonly topicNames: (q: Kysely<Database>) => Promise<Set<string>>,
    private readonly fence: Fence = singleNodeFence,
    /** Tells other nodes, in the transaction `q` of a change, which heartbeats changed. */
    private readonly publish: (q: Kysely<Database>, ids: readonly string[]) => Promise<void> = async () => {},
    /** Several nodes take pings: a change reads the stored state under a row lock (see ping-writer.ts). */
    private readonly shared = false,
    /** A change committed through this service, for the live stream (not inside a caller's transaction). */
    private readonly emit: (change: LiveChange) => void = () => {},
  ) {}

  /** Tells the live stream, unless the change is part of a caller's transaction (not committed yet). */
  private changed(q: Kysely<Database> | undefined, name: string, state: string): void {
    if (q === undefined) this.emit({ type: 'heartbeat', name, state, at: this.clock.now() });
  }

  private inTransaction<T>(q: Kysely<Database> | undefined, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return q ? run(q) : this.db.transaction().execute(run);
  }

  /** Every topic a heartbeat names must exist, or its alerts would go nowhere. */
  private async checkTopics(spec: HeartbeatSpec, q: Kysely<Database>): Promise<void> {
    if (spec.topics.length === 0) return;
    const known = await this.topicNames(q);
    const issues = spec.topics.flatMap((t, i) =>
      known.has(t) ? [] : [{ path: `topics.${i}`, message: `topic '${t}' does not exist` }],
    );
    if (issues.length) throw invalid(issues);
  }

  async load(): Promise<void> {
    await store.putKvIfAbsent(this.db, 'ping_key', randomToken(22).toLowerCase());
    this.pingKey = (await store.getKv(this.db, 'ping_key'))!;
    for (const row of await store.loadAll(this.db)) {
      const spec = row.spec as unknown as HeartbeatSpec;
      const entry: HeartbeatEntry = { row, spec, rules: rulesOf(spec), runtime: row.runtime as HeartbeatRuntime };
      this.registry.set(entry);
      this.schedule(row.id, row.nextDeadline);
    }
  }

  /** The key that, with a slug, makes ping URLs (`/ping/{key}/{slug}`). */
  key(): string {
    return this.pingKey;
  }

  schedule(id: string, at: number | null): void {
    deadlineScheduler(this.scheduler)(id, at);
  }

  parse(input: unknown, prefix = ''): HeartbeatSpec & { slug: string } {
    const parsed = heartbeatInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    const spec = parsed.data;
    if (spec.cron) {
      const problem = cronProblem(spec.cron, spec.timezone);
      if (problem)
        throw invalid([{ path: prefix ? `${prefix}.${problem.field}` : problem.field, message: problem.message }]);
    }
    return { ...spec, slug: spec.slug ?? spec.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-') };
  }

  list(): HeartbeatView[] {
    return this.registry.all().map((e) => this.view(e));
  }

  get(name: string): HeartbeatEntry {
    const e = this.registry.name(name);
    if (!e) throw notFound('heartbeat', name);
    return e;
  }

  view(e: HeartbeatEntry): HeartbeatView {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const rt = e.runtime;
    return {
      name: e.row.name,
      slug: e.row.slug,
      state: rt.state,
      pingUrl: `${this.publicUrl()}/ping/${e.row.pingUuid}`,
      slugUrl: `${this.publicUrl()}/ping/${this.pingKey}/${e.row.slug}`,
      lastPingAt: iso(rt.lastPingAt),
      lastSuccessAt: iso(rt.lastSuccessAt),
      expectedAt: new Date(rt.expectedAt).toISOString(),
      nextExpected:
        rt.state === 'PAUSED' ? [] : upcoming(e.rules.schedule, rt.expectedAt, 5).map((t) => new Date(t).toISOString()),
      nextDeadline: iso(nextDeadline(rt, e.rules)),
      lastReason: rt.lastReason,
      spec: e.row.spec,
    };
  }

  async create(
    spec: HeartbeatSpec & { slug: string },
    q?: Kysely<Database>,
    uuid: string = randomUUID(),
  ): Promise<HeartbeatView> {
    if (this.registry.name(spec.name)) throw new TocsinError('conflict', `heartbeat '${spec.name}' already exists`);
    if (this.registry.slug(spec.slug))
      throw invalid([{ path: 'slug', message: `'${spec.slug}' is the slug of another heartbeat` }]);
    await this.checkTopics(spec, q ?? this.db);
    const now = this.clock.now();
    const rules = rulesOf(spec);
    const runtime = initialHeartbeat(rules, now, spec.paused);
    const row: store.HeartbeatRow = {
      id: uuidv7(now),
      name: spec.name,
      slug: spec.slug,
      pingUuid: uuid,
      spec: spec as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    };
    await this.inTransaction(q, async (trx) => {
      await store.insertHeartbeat(trx, row, {
        state: runtime.state,
        runtime,
        nextDeadline: nextDeadline(runtime, rules),
      });
      await this.publish(trx, [row.id]);
    });
    const entry: HeartbeatEntry = { row, spec, rules, runtime };
    this.registry.set(entry);
    this.schedule(row.id, nextDeadline(runtime, rules));
    this.changed(q, row.name, 'created');
    return this.view(entry);
  }

  /** Replaces a heartbeat's settings; its ping URL, state and pings stay. */
  async replace(name: string, spec: HeartbeatSpec & { slug: string }, q?: Kysely<Database>): Promise<HeartbeatView> {
    const e = this.get(name);
    const other = this.registry.slug(spec.slug);
    if (other && other !== e)
      throw invalid([{ path: 'slug', message: `'${spec.slug}' is the slug of another heartbeat` }]);
    await this.checkTopics(spec, q ?? this.db);
    const now = this.clock.now();
    const rules = rulesOf(spec);
    const row = {
      ...e.row,
      name: spec.name,
      slug: spec.slug,
      spec: spec as unknown as Record<string, unknown>,
      updatedAt: now,
    };
    const runtime = await this.inTransaction(q, async (trx) => {
      const stored = this.shared ? (await store.lockRuntimes(trx, [e.row.id])).get(e.row.id) : undefined;
      const rt = pauseOrResume((stored as HeartbeatRuntime | undefined) ?? e.runtime, spec.paused, now);
      await store.updateHeartbeat(trx, row);
      await store.saveStates(trx, [
        { id: row.id, state: rt.state, runtime: rt, nextDeadline: nextDeadline(rt, rules) },
      ]);
      await this.publish(trx, [row.id]);
      return rt;
    });
    const entry: HeartbeatEntry = { row, spec, rules, runtime };
    this.registry.set(entry);
    this.schedule(row.id, nextDeadline(runtime, rules));
    this.changed(q, row.name, runtime.state !== e.runtime.state ? runtime.state : 'updated');
    return this.view(entry);
  }

  async setPaused(name: string, paused: boolean): Promise<HeartbeatView> {
    const e = this.get(name);
    return this.replace(name, { ...e.spec, slug: e.row.slug, paused });
  }

  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    const e = this.get(name);
    await this.inTransaction(q, async (trx) => {
      await store.deleteHeartbeat(trx, e.row.id);
      await this.publish(trx, [e.row.id]);
    });
    this.registry.delete(e.row.id);
    this.scheduler.cancel(DEADLINE_JOB, e.row.id);
    this.changed(q, name, 'deleted');
  }

  async pings(name: string, limit: number, before?: string) {
    const e = this.get(name);
    return (await store.listPings(this.db, e.row.id, limit, before)).map((p) => ({
      id: p.id,
      at: new Date(p.at).toISOString(),
      kind: p.kind,
      exitStatus: p.exit_status,
      rid: p.rid,
      method: p.method,
      remoteAddr: p.remote_addr,
      userAgent: p.user_agent,
      durationMs: p.duration_ms,
      body: p.body,
      bodyTruncated: p.body_truncated === 1,
      bodyNulsReplaced: p.body_nuls_replaced === 1,
    }));
  }

  /** State changes, newest first. */
  async changes(name: string, limit: number) {
    const e = this.get(name);
    return (await store.listChanges(this.db, e.row.id, limit)).map((c) => ({
      at: new Date(c.at).toISOString(),
      from: c.from_state,
      to: c.to_state,
      reason: c.reason,
    }));
  }

  /**
   * State changes at or after `from`, oldest first, with the heartbeat's current state and creation time (what
   * uptime over a period is worked out from).
   */
  async changesSince(name: string, from: number) {
    const e = this.get(name);
    const rows = await store.listChangesBetween(this.db, e.row.id, from, Number.MAX_SAFE_INTEGER);
    return {
      state: e.runtime.state as string,
      createdAt: e.row.createdAt,
      changes: rows.map((c) => ({ at: Number(c.at), from: c.from_state, to: c.to_state })),
    };
  }

  /** The scheduler's handler: applies passing deadlines through the writer. */
  async onDeadline(id: string): Promise<number | null> {
    const entry = this.registry.get(id);
    if (!entry) return null;
    // No longer this node's: parked, with the deadline memory knows, for the node that owns it now.
    const token = this.fence.token(DEADLINE_JOB, id);
    if (!token) return nextDeadline(entry.runtime, entry.rules);
    const r = await this.writer.submit({ type: 'tick', heartbeatId: id, token });
    return r.nextDeadline;
  }
}
