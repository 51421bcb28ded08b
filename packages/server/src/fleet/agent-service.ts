/**
 * Agents: what the API shows and changes of them, and what the hub records of their connections.
 *
 * An agent's states: offline (enrolled, never connected, or silent too long) ──hello──▶ online
 *   ──silent longer than the setting (agent-liveness.ts)──▶ offline; any ──revoke──▶ revoked (its credential
 *   refused, its connection closed with 4401 by whichever node holds it).
 * Coming back online after having been seen publishes `agent.online` to the topics of its groups, in the
 * transaction of the state change (a compare-and-set on the row), so that two nodes never both announce it.
 *
 * Other nodes learn of a hello or a revocation through the change bus (topic `agents`, by id): a node holding
 * a connection of that agent closes it when the row names another connection (replaced) or is revoked.
 */
import type { Kysely } from 'kysely';
import { agentTagsSchema, tagsMatch, type AgentMessage, type AgentView, type TagSelector } from '@tocsin/protocol';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { AgentGroupService } from './agent-group-service.js';
import { agentEvent } from './agent-events.js';
import * as store from './agent-store.js';
import {
  sha256,
  type EnrollmentService,
  type SignedCommandFields,
  type SignedProbeFields,
} from './enrollment-service.js';

export const AGENTS_TOPIC = 'agents';

type Hello = Extract<AgentMessage, { type: 'hello' }>;

export type { AgentView };

/** An agent a monitor's probe can be sent to. */
export interface ProbeLocationAgent {
  id: string;
  hostname: string;
  node: string | null;
  tags: Record<string, string>;
}

/** An agent as the run-command service targets it. */
export interface DirectoryAgent {
  id: string;
  hostname: string;
  tags: Record<string, string>;
  state: 'online' | 'offline';
  commandsEnabled: boolean;
  commandsAllow: string[];
}

/** Resolves command targets from the database (every node's agents), and signs command frames. */
export interface AgentDirectory {
  /** Agents not revoked that match every criterion given: the selector's tags, and being one of `agents`. */
  match(target: { tags?: TagSelector; agents?: readonly string[] }): Promise<DirectoryAgent[]>;
  /** An agent group's expected size; undefined when no group has the name. */
  groupExpectedSize(name: string): Promise<number | undefined>;
  signCommand(fields: SignedCommandFields): string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function agentView(r: store.AgentRow): AgentView {
  return {
    id: r.id,
    hostname: r.hostname,
    tags: JSON.parse(r.tags) as Record<string, string>,
    version: r.version,
    platform: r.platform,
    state: r.state === 'online' ? 'online' : 'offline',
    enrolledAt: iso(r.enrolled_at)!,
    lastSeenAt: iso(r.last_seen_at),
    revokedAt: iso(r.revoked_at),
    node: r.node,
    commands: { enabled: r.commands_enabled === 1, allow: JSON.parse(r.commands_allow) as string[] },
    probes: r.probes_enabled === 1,
    selfChecks: r.self_check ? (JSON.parse(r.self_check) as AgentView['selfChecks']) : [],
    metrics: r.metrics ? (JSON.parse(r.metrics) as AgentView['metrics']) : null,
  };
}

export class AgentService implements AgentDirectory {
  /** Told when an agent this node may hold was revoked here (the hub closes its connection). */
  onRevoked: (id: string) => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly deps: {
      changes: ChangeBus;
      publisher: PublishService;
      groups: AgentGroupService;
      enrollment: EnrollmentService;
    },
  ) {}

  async groupExpectedSize(name: string): Promise<number | undefined> {
    return this.deps.groups.has(name) ? this.deps.groups.get(name).expectedSize : undefined;
  }

  async list(filter: { tags?: TagSelector; state?: string } = {}): Promise<AgentView[]> {
    const rows = await store.listAgents(this.db, filter.state);
    const views = rows.map(agentView);
    return filter.tags ? views.filter((a) => tagsMatch(a.tags, filter.tags!)) : views;
  }

  async get(id: string): Promise<AgentView> {
    const row = await store.getAgent(this.db, id);
    if (!row) throw notFound('agent', id);
    return agentView(row);
  }

  /** Replaces an agent's tags (what its next hello says of itself is merged over them again). */
  async setTags(id: string, input: unknown): Promise<AgentView> {
    const parsed = agentTagsSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, 'tags'));
    if (!(await store.setTags(this.db, id, parsed.data))) throw notFound('agent', id);
    return this.get(id);
  }

  /** Revokes an agent: its credential is refused from now on, and its connection is closed wherever it is. */
  async revoke(id: string): Promise<void> {
    const done = await this.db.transaction().execute(async (trx) => {
      if (!(await store.revokeAgent(trx, id, this.clock.now()))) return false;
      await this.deps.changes.publish(trx, AGENTS_TOPIC, [id]);
      return true;
    });
    if (!done) throw notFound('agent', id);
    this.onRevoked(id);
  }

  /** The agent a bearer credential is of, unless revoked. */
  async authenticate(credential: string): Promise<store.AgentRow | undefined> {
    return store.agentByCredential(this.db, sha256(credential));
  }

  /**
   * Records a hello on connection `connectionId` of this node: the agent is online, held here. Answers its log
   * positions, or undefined when it was revoked meanwhile.
   */
  async hello(
    agent: store.AgentRow,
    hello: Hello,
    at: { node: string; connectionId: string },
  ): Promise<Record<string, { file: string; to: number }> | undefined> {
    const now = this.clock.now();
    const current = (await store.getAgent(this.db, agent.id)) ?? agent;
    const tokenTags = await this.deps.enrollment.tokenTags(current.enrollment_token_id);
    const tags = { ...(JSON.parse(current.tags) as Record<string, string>), ...hello.tags, ...tokenTags };
    const fields = {
      hostname: hello.hostname,
      version: hello.version,
      platform: hello.platform,
      tags,
      commandsEnabled: hello.commands.enabled,
      commandsAllow: hello.commands.allow,
      probesEnabled: hello.probes,
    };
    let queued = 0;
    const saved = await this.db.transaction().execute(async (trx) => {
      const r = await store.saveHello(trx, agent.id, fields, { ...at, now });
      if (!r) return undefined;
      // Back from an outage (not a first connection, not a reconnection while still online).
      if (r.cameOnline && r.lastSeenAt !== null) {
        const who = { id: agent.id, hostname: hello.hostname, tags };
        const event = agentEvent('agent.online', who, r.offlineSince ?? r.lastSeenAt, r.lastSeenAt);
        queued = (await this.deps.publisher.publishIn(trx, this.deps.groups.topicsOf(tags), event)).deliveries;
      }
      await this.deps.changes.publish(trx, AGENTS_TOPIC, [agent.id]);
      return r;
    });
    if (queued) this.deps.publisher.notifyQueued();
    if (!saved) return undefined;
    const rows = await store.positionsOf(this.db, agent.id);
    return Object.fromEntries(rows.map((p) => [p.source, { file: p.file, to: p.to_offset }]));
  }

  /** Connection `connectionId` ended: the agent is held by no node, unless another connection took it. */
  async disconnected(id: string, connectionId: string): Promise<void> {
    await store.clearConnection(this.db, id, connectionId);
  }

  /** Agents heard from since the last round. */
  async touch(ids: readonly string[]): Promise<void> {
    await store.touchAgents(this.db, ids, this.clock.now());
  }

  async saveSelfChecks(id: string, checks: Extract<AgentMessage, { type: 'status' }>['checks']): Promise<void> {
    await store.saveSelfCheck(this.db, id, checks);
  }

  async saveMetricsSummary(id: string, time: number, datapoints: number): Promise<void> {
    await store.saveMetricsSummary(this.db, id, { time: new Date(time).toISOString(), datapoints });
  }

  /** For another node's change: the rows of `ids`, revoked ones included. */
  rows(ids: readonly string[]): Promise<store.AgentRow[]> {
    return store.agentsById(this.db, ids);
  }

  async match(target: { tags?: TagSelector; agents?: readonly string[] }): Promise<DirectoryAgent[]> {
    const rows = target.agents
      ? (await store.agentsById(this.db, target.agents)).filter((r) => r.revoked_at === null)
      : await store.listAgents(this.db);
    return rows
      .map(agentView)
      .filter((a) => !target.tags || tagsMatch(a.tags, target.tags))
      .map((a) => ({
        id: a.id,
        hostname: a.hostname,
        tags: a.tags,
        state: a.state,
        commandsEnabled: a.commands.enabled,
        commandsAllow: a.commands.allow,
      }));
  }

  signCommand(fields: SignedCommandFields): string {
    return this.deps.enrollment.signCommand(fields);
  }

  /** The online agents with the selector's tags that run probes, with the node holding each one's connection. */
  async probeLocations(selector: TagSelector): Promise<ProbeLocationAgent[]> {
    return (await store.probeAgents(this.db))
      .map((r) => ({
        id: r.id,
        hostname: r.hostname,
        node: r.node,
        tags: JSON.parse(r.tags) as Record<string, string>,
      }))
      .filter((a) => tagsMatch(a.tags, selector));
  }

  signProbe(fields: SignedProbeFields): string {
    return this.deps.enrollment.signProbe(fields);
  }
}
