/**
 * Groups: the monitors with the selector's tags, expected to be
 * `expectedSize` strong (the targets behind a load balancer). Each minute
 * the number of them that are UP becomes the datapoint
 * Tocsin/Groups HealthyCount {Group: name}, beside ExpectedSize.
 */
import type { Kysely } from 'kysely';
import { groupInputSchema, type GroupSpec } from '@tocsin/protocol';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { deleteGroup, listGroups, upsertGroup } from './group-store.js';
import type { MonitorService } from './monitor-service.js';

export class GroupService {
  private groups = new Map<string, GroupSpec>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly monitors: MonitorService,
  ) {}

  async load(q: Kysely<Database> = this.db): Promise<void> {
    this.groups = new Map((await listGroups(q)).map((g) => [g.name, g]));
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
    this.groups.set(spec.name, spec);
  }

  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    await deleteGroup(q, name);
    this.groups.delete(name);
  }

  count(g: GroupSpec): { healthy: number; members: number; pending: number } {
    const members = this.monitors
      .list()
      .filter((m) =>
        Object.entries(g.selector).every(([k, v]) => (m.settings.tags as Record<string, string>)[k] === v),
      );
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
  sample(at: number) {
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
