/**
 * Groups: the monitors with the selector's tags, expected to be
 * `expectedSize` strong (the targets behind a load balancer). Each minute
 * the number of them that are UP becomes the datapoint
 * Tocsin/Groups HealthyCount {Group: name}, beside ExpectedSize.
 *
 * In a cluster (PostgreSQL) every node holds every group: a group written
 * through one node is announced on the change bus (topic `groups`, by name)
 * and read again by the others; after a reconnection all are read again.
 * The node running the sample counts from the monitors' states in its
 * memory, brought up to date first (`beforeSample`) for the monitors that
 * other nodes check.
 */
import type { Kysely } from 'kysely';
import { groupInputSchema, type GroupSpec } from '@tocsin/protocol';
import { localChangeBus, type ChangeBus } from '../cluster/change-bus.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { deleteGroup, groupsNamed, listGroups, upsertGroup } from './group-store.js';
import type { MonitorService } from './monitor-service.js';

/** The change-bus topic of group definitions. */
export const GROUPS_TOPIC = 'groups';

export interface GroupMember {
  name: string;
  state: string;
}

export interface GroupServiceOptions {
  /** Where changes are announced to the other nodes; nobody on one node. */
  changes?: ChangeBus;
  /** Brings the monitors' states up to date before a sample (those other nodes check). */
  beforeSample?: () => Promise<void>;
}

export class GroupService {
  private groups = new Map<string, GroupSpec>();
  private readonly changes: ChangeBus;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly monitors: MonitorService,
    private readonly options: GroupServiceOptions = {},
  ) {
    this.changes = options.changes ?? localChangeBus;
  }

  async load(q: Kysely<Database> = this.db): Promise<void> {
    this.groups = new Map((await listGroups(q)).map((g) => [g.name, g]));
  }

  /** Groups changed through another node, by name: read again (a name not found was deleted). */
  async changed(names: readonly string[]): Promise<void> {
    const found = new Map((await groupsNamed(this.db, names)).map((g) => [g.name, g]));
    for (const name of names) {
      const g = found.get(name);
      if (g) this.groups.set(name, g);
      else this.groups.delete(name);
    }
  }

  parse(input: unknown, prefix = ''): GroupSpec {
    const parsed = groupInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
  }

  list(): (GroupSpec & { healthy: number; members: number; pending: number })[] {
    return [...this.groups.values()].map((g) => ({ ...g, ...this.count(g) }));
  }

  async put(spec: GroupSpec, q: Kysely<Database> = this.db): Promise<void> {
    await upsertGroup(q, spec);
    await this.changes.publish(q, GROUPS_TOPIC, [spec.name]);
    this.groups.set(spec.name, spec);
  }

  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    await deleteGroup(q, name);
    await this.changes.publish(q, GROUPS_TOPIC, [name]);
    this.groups.delete(name);
  }

  /** The group named `name`, with its members' names and states (by name). */
  get(name: string): GroupSpec & { healthy: number; members: number; pending: number; monitors: GroupMember[] } {
    const g = this.groups.get(name);
    if (!g) throw notFound('group', name);
    const monitors = this.membersOf(g).map((m) => ({ name: m.name, state: m.state }));
    return { ...g, ...this.count(g), monitors };
  }

  /** The names of the group's members (the monitors with its selector's tags); none for an unknown group. */
  members(name: string): string[] {
    const g = this.groups.get(name);
    return g ? this.membersOf(g).map((m) => m.name) : [];
  }

  private membersOf(g: GroupSpec) {
    return this.monitors
      .list()
      .filter((m) =>
        Object.entries(g.selector).every(([k, v]) => (m.settings.tags as Record<string, string>)[k] === v),
      );
  }

  count(g: GroupSpec): { healthy: number; members: number; pending: number } {
    const members = this.membersOf(g);
    return {
      healthy: members.filter((m) => m.state === 'UP').length,
      members: members.length,
      pending: members.filter((m) => m.state === 'PENDING').length,
    };
  }

  /**
   * The datapoints of one minute; a group with a member not yet checked (PENDING) has none, rather than a false
   * count.
   */
  async sample(at: number) {
    if (this.groups.size && this.options.beforeSample) await this.options.beforeSample();
    return [...this.groups.values()].flatMap((g) => {
      const { healthy, pending } = this.count(g);
      if (pending > 0) return [];
      const dims = { Group: g.name };
      return [
        {
          namespace: 'Tocsin/Groups',
          name: 'HealthyCount',
          dimensions: dims,
          at,
          count: 1,
          sum: healthy,
          min: healthy,
          max: healthy,
        },
        {
          namespace: 'Tocsin/Groups',
          name: 'ExpectedSize',
          dimensions: dims,
          at,
          count: 1,
          sum: g.expectedSize,
          min: g.expectedSize,
          max: g.expectedSize,
        },
      ];
    });
  }
}
