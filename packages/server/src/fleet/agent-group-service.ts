/**
 * Agent groups: the agents whose tags match a selector, expected `expectedSize` strong. Each minute the number
 * of them online becomes Tocsin/AgentGroups HealthyCount {Group}, beside ExpectedSize; a member's
 * `agent.offline` / `agent.online` events go to the group's topics.
 *
 * Every node holds every group in memory: a change through one node is announced on the change bus (topic
 * `agent-groups`, by name) and read again by the others; after a reconnection all are read again.
 */
import type { Kysely } from 'kysely';
import { agentGroupInputSchema, tagsMatch, type AgentGroupSpec } from '@tocsin/protocol';
import type { ChangeBus } from '../cluster/change-bus.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import type { SeriesDatum } from '../metrics/metric-service.js';
import { deleteAgentGroup, listAgentGroups, upsertAgentGroup } from './agent-group-store.js';

export const AGENT_GROUPS_TOPIC = 'agent-groups';
const NAMESPACE = 'Tocsin/AgentGroups';

/** What a group counts of an agent. */
export interface GroupMemberState {
  tags: Record<string, string>;
  state: string;
}

export class AgentGroupService {
  private groups = new Map<string, AgentGroupSpec>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeBus,
    private readonly topicNames: (q: Kysely<Database>) => Promise<Set<string>>,
  ) {}

  async load(): Promise<void> {
    this.groups = new Map((await listAgentGroups(this.db)).map((g) => [g.name, g]));
  }

  /** Groups changed through another node: read again (a name not found was deleted). */
  async changed(names: readonly string[]): Promise<void> {
    const found = new Map((await listAgentGroups(this.db, names)).map((g) => [g.name, g]));
    for (const name of names) {
      const g = found.get(name);
      if (g) this.groups.set(name, g);
      else this.groups.delete(name);
    }
  }

  parse(input: unknown, prefix = ''): AgentGroupSpec {
    const parsed = agentGroupInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
  }

  list(): AgentGroupSpec[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): AgentGroupSpec {
    const g = this.groups.get(name);
    if (!g) throw notFound('agent group', name);
    return g;
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  /** Writes a group (its topics must exist: the config planner checks a whole document itself). */
  async put(spec: AgentGroupSpec, q: Kysely<Database> = this.db, checkTopics = true): Promise<void> {
    if (checkTopics && spec.topics?.length) {
      const names = await this.topicNames(q);
      const issues = spec.topics
        .map((t, i) => ({ path: `topics.${i}`, topic: t }))
        .filter((r) => !names.has(r.topic))
        .map((r) => ({ path: r.path, message: `topic '${r.topic}' does not exist` }));
      if (issues.length) throw invalid(issues);
    }
    await upsertAgentGroup(q, spec);
    await this.changes.publish(q, AGENT_GROUPS_TOPIC, [spec.name]);
    this.groups.set(spec.name, spec);
  }

  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    if (!(await deleteAgentGroup(q, name))) throw notFound('agent group', name);
    await this.changes.publish(q, AGENT_GROUPS_TOPIC, [name]);
    this.groups.delete(name);
  }

  /** The groups an agent of these tags belongs to. */
  groupsOf(tags: Record<string, string>): AgentGroupSpec[] {
    return [...this.groups.values()].filter((g) => tagsMatch(tags, g.selector));
  }

  /** The topics of every group an agent of these tags belongs to, each once. */
  topicsOf(tags: Record<string, string>): string[] {
    return [...new Set(this.groupsOf(tags).flatMap((g) => g.topics ?? []))];
  }

  /** The names of groups naming `topic` (a topic they name cannot be deleted). */
  namingTopic(topic: string): string[] {
    return this.list()
      .filter((g) => g.topics?.includes(topic))
      .map((g) => `agent group '${g.name}'`);
  }

  /** A group's counts among `agents` (every agent not revoked). */
  count(g: AgentGroupSpec, agents: readonly GroupMemberState[]): { healthy: number; members: number } {
    const members = agents.filter((a) => tagsMatch(a.tags, g.selector));
    return { healthy: members.filter((a) => a.state === 'online').length, members: members.length };
  }

  /** The datapoints of one minute: HealthyCount and ExpectedSize of every group. */
  sample(at: number, agents: readonly GroupMemberState[]): SeriesDatum[] {
    return this.list().flatMap((g) => {
      const { healthy } = this.count(g, agents);
      const dimensions = { Group: g.name };
      const one = (name: string, v: number): SeriesDatum => ({
        namespace: NAMESPACE,
        name,
        dimensions,
        at,
        count: 1,
        sum: v,
        min: v,
        max: v,
      });
      return [one('HealthyCount', healthy), one('ExpectedSize', g.expectedSize)];
    });
  }
}
