/**
 * Liveness, each minute on the node that owns the job: an online agent silent longer than the setting
 * (TOCSIN_AGENT_OFFLINE_AFTER, 3 minutes) turns offline and `agent.offline` is queued to its groups' topics,
 * in one transaction through the cluster fence (a node that lost the job writes nothing) with a
 * compare-and-set on each row (the change and its deliveries commit together, once). Then the minute's
 * datapoints: Tocsin/Agents StatusCheckFailed {InstanceId} (1 when offline or a self-check failed, else 0),
 * and every agent group's HealthyCount and ExpectedSize.
 */
import type { Kysely } from 'kysely';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Fence } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import type { Database } from '../db/db-schema.js';
import type { MetricSink } from '../metrics/metric-sink.js';
import type { SeriesDatum } from '../metrics/metric-service.js';
import type { PublishService } from '../notify/publish-service.js';
import { PERIODIC_KEY } from '../scheduler/periodic-job.js';
import type { AgentGroupService } from './agent-group-service.js';
import { agentEvent } from './agent-events.js';
import { AGENTS_TOPIC, agentView, type AgentView } from './agent-service.js';
import { listAgents, markOffline, silentAgents } from './agent-store.js';

export const LIVENESS_JOB = 'agent-liveness';
export const LIVENESS_EVERY_MS = 60_000;

export interface LivenessDeps {
  fence: Fence;
  changes: ChangeBus;
  /** Told of the agents it turned offline, once committed (this node's hub closes what it still holds). */
  onOffline: (ids: string[]) => void;
  publisher: PublishService;
  groups: AgentGroupService;
  sink: MetricSink;
  offlineAfterMs: number;
}

export class AgentLiveness {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly d: LivenessDeps,
  ) {}

  /** One minute's round: the silent go offline, then the datapoints of minute `dueAt`. */
  async run(dueAt: number): Promise<void> {
    await this.sweep(this.clock.now());
    const agents = (await listAgents(this.db)).map(agentView);
    this.d.sink.record([...this.statusData(dueAt, agents), ...this.d.groups.sample(dueAt, agents)]);
  }

  /** Turns the agents silent too long offline; answers how many it turned. */
  async sweep(now: number): Promise<number> {
    const cutoff = now - this.d.offlineAfterMs;
    const silent = await silentAgents(this.db, cutoff);
    if (silent.length === 0) return 0;
    const token = this.d.fence.token(LIVENESS_JOB, PERIODIC_KEY);
    if (!token) return 0;
    let deliveries = 0;
    const turned = await this.db.transaction().execute(async (trx) => {
      const held = await this.d.fence.hold(trx, [token]);
      if (!held.has(token)) {
        this.d.fence.refused('agents', silent.length);
        return [];
      }
      const ids: string[] = [];
      for (const row of silent) {
        if (!(await markOffline(trx, row.id, cutoff, now))) continue;
        ids.push(row.id);
        const tags = JSON.parse(row.tags) as Record<string, string>;
        const event = agentEvent('agent.offline', { id: row.id, hostname: row.hostname, tags }, now, row.last_seen_at);
        deliveries += (await this.d.publisher.publishIn(trx, this.d.groups.topicsOf(tags), event)).deliveries;
      }
      // A node that still holds one of them (its agent was heard, but the record of it failed) closes it.
      if (ids.length) await this.d.changes.publish(trx, AGENTS_TOPIC, ids);
      return ids;
    });
    if (deliveries) this.d.publisher.notifyQueued();
    if (turned.length) this.d.onOffline(turned);
    return turned.length;
  }

  private statusData(at: number, agents: readonly AgentView[]): SeriesDatum[] {
    return agents.map((a) => {
      const failed = a.state !== 'online' || a.selfChecks.some((c) => !c.ok) ? 1 : 0;
      return {
        namespace: 'Tocsin/Agents',
        name: 'StatusCheckFailed',
        dimensions: { InstanceId: a.id },
        at,
        count: 1,
        sum: failed,
        min: failed,
        max: failed,
      };
    });
  }
}
