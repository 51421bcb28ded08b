/**
 * Log groups: their retention and match, kept in memory as last applied (API, config, the writer creating a
 * group it sees first, another node's change through the change bus) so that ingest routes events and the
 * writer knows which groups exist without a query. Deleting a group deletes its blocks and drops its events not
 * stored yet. Retention deletes whole blocks whose newest event is older than the group's retention.
 */
import type { Kysely } from 'kysely';
import { logGroupInputSchema, type LogGroupSpec } from '@tocsin/protocol';
import { localChangeBus, type ChangeBus } from '../cluster/change-bus.js';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import type { RetentionTask } from '../app-module.js';
import * as blocks from './log-block-store.js';
import * as store from './log-group-store.js';
import type { WriterGroups } from './log-writer.js';

/** The change-bus topic of log groups, by name. */
export const LOG_GROUPS_TOPIC = 'log_groups';
/** The retention of a group created by its first event (as CloudWatch Logs' default is "never", Loki's 31 d). */
export const DEFAULT_RETENTION_DAYS = 30;
const DAY = 86_400_000;

/** A group with what it holds: stored totals, and events not stored yet. */
export interface LogGroupView extends LogGroupSpec {
  storedBytes: number;
  rawBytes: number;
  count: number;
  blocks: number;
  /** Events in the write queue, not in `count` yet. */
  pending: number;
  firstTime?: string;
  lastTime?: string;
  createdAt: string;
  updatedAt: string;
}

export class LogGroupService {
  private readonly groups = new Map<string, store.LogGroupRecord>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly changes: ChangeBus = localChangeBus,
    /** Drops a group's events not stored yet (the writer's). */
    private readonly discardPending: (group: string) => Promise<void> = async () => {},
    private readonly pendingCount: (group: string) => number = () => 0,
  ) {}

  async load(): Promise<void> {
    this.groups.clear();
    for (const g of await store.listGroups(this.db)) this.groups.set(g.spec.name, g);
  }

  /** Names changed on another node: read again. */
  async changed(names: readonly string[]): Promise<void> {
    const found = new Map((await store.listGroups(this.db, names)).map((g) => [g.spec.name, g]));
    for (const name of names) {
      const g = found.get(name);
      if (g) this.groups.set(name, g);
      else this.groups.delete(name);
    }
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  specs(): LogGroupSpec[] {
    return [...this.groups.values()].map((g) => g.spec);
  }

  parse(input: unknown, prefix = ''): LogGroupSpec {
    const parsed = logGroupInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
  }

  async list(q: Kysely<Database> = this.db): Promise<store.LogGroupRecord[]> {
    return store.listGroups(q);
  }

  async get(name: string): Promise<store.LogGroupRecord> {
    const g = await store.groupByName(this.db, name);
    if (!g) throw notFound('log group', name);
    return g;
  }

  /** Creates or replaces the group (its stored events stay). */
  async put(
    spec: LogGroupSpec,
    q: Kysely<Database> = this.db,
  ): Promise<{ group: store.LogGroupRecord; created: boolean }> {
    const now = this.clock.now();
    const created = await store.upsertGroup(q, spec, now);
    await this.changes.publish(q, LOG_GROUPS_TOPIC, [spec.name]);
    const group = { spec, createdAt: created ? now : (this.groups.get(spec.name)?.createdAt ?? now), updatedAt: now };
    this.groups.set(spec.name, group);
    return { group, created };
  }

  /** Deletes the group, its blocks and its events not stored yet. */
  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    await this.discardPending(name);
    const existed = await store.deleteGroup(q, name);
    const removed = await blocks.deleteGroupBlocks(q, name);
    if (!existed && removed === 0) throw notFound('log group', name);
    await this.changes.publish(q, LOG_GROUPS_TOPIC, [name]);
    this.groups.delete(name);
  }

  /** Every group with its totals. */
  async views(): Promise<LogGroupView[]> {
    const [groups, stats] = await Promise.all([store.listGroups(this.db), blocks.groupStats(this.db)]);
    const byGroup = new Map(stats.map((s) => [s.group, s]));
    return groups.map((g) => this.view(g, byGroup.get(g.spec.name)));
  }

  async viewOf(name: string): Promise<LogGroupView> {
    const g = await this.get(name);
    const stats = (await blocks.groupStats(this.db)).find((s) => s.group === name);
    return this.view(g, stats);
  }

  private view(g: store.LogGroupRecord, s: blocks.GroupStats | undefined): LogGroupView {
    const iso = (t: number) => new Date(t).toISOString();
    return {
      ...g.spec,
      storedBytes: s?.storedBytes ?? 0,
      rawBytes: s?.rawBytes ?? 0,
      count: s?.count ?? 0,
      blocks: s?.blocks ?? 0,
      pending: this.pendingCount(g.spec.name),
      ...(s ? { firstTime: iso(s.firstTime), lastTime: iso(s.lastTime) } : {}),
      createdAt: iso(g.createdAt),
      updatedAt: iso(g.updatedAt),
    };
  }

  /** What the writer asks: which groups exist, and to create those it sees first. */
  writerGroups(): WriterGroups {
    return {
      has: (name) => this.groups.has(name),
      create: async (trx, names) => {
        await store.insertMissingGroups(trx, names, DEFAULT_RETENTION_DAYS, this.clock.now());
        await this.changes.publish(trx, LOG_GROUPS_TOPIC, names);
      },
      created: (names) => {
        const now = this.clock.now();
        for (const name of names)
          if (!this.groups.has(name))
            this.groups.set(name, {
              spec: { name, retentionDays: DEFAULT_RETENTION_DAYS },
              createdAt: now,
              updatedAt: now,
            });
      },
    };
  }

  /** Deletes the whole blocks past each group's retention, none that a hold (an archive not yet written) keeps. */
  retention(holds: readonly RetentionHold[] = []): RetentionTask {
    return {
      domain: 'logs',
      prune: async (now) => {
        for (const g of await store.listGroups(this.db)) {
          let cutoff = now - g.spec.retentionDays * DAY;
          for (const hold of holds) {
            const keep = await hold(g.spec.name, cutoff);
            if (keep !== undefined && keep < cutoff) cutoff = keep;
          }
          await blocks.deleteBlocksEndingBefore(this.db, g.spec.name, cutoff);
        }
      },
    };
  }

  /** Every group as last applied, with when it was created (an archive's first day). */
  records(): store.LogGroupRecord[] {
    return [...this.groups.values()];
  }
}

/**
 * Asked before a group's events older than `cutoff` are deleted: the earliest time that must stay (the start
 * of a day an archive has not written yet), or undefined when nothing older is needed.
 */
export type RetentionHold = (group: string, cutoff: number) => Promise<number | undefined>;
