/**
 * What an agent's data frames become: a `metrics` frame is datapoints in namespace CWAgent (the CloudWatch
 * agent's), with InstanceId and host added to each datum's dimensions, kept per second when the frame says
 * high resolution (an agent sending more often than once a minute), stored through the metric service's
 * durable ingest (alarms read them from there); a `logs` frame is log events of its group, taken once per
 * (agent, source, file) range.
 *
 * Log positions: a batch whose `to` is at or below the stored position of its source's same file was taken
 * already (a resend after a reconnection) and is only acknowledged. Otherwise the lines are ingested first
 * (resolved once stored), then the position is written, then `ack`: a crash between the ingest and the
 * position write is the one case where a batch is stored twice; no case loses one.
 */
import type { Kysely } from 'kysely';
import {
  logEventProblem,
  logGroupNameSchema,
  type AgentMessage,
  type LogBatch,
  type LogEvent,
  type PutMetricData,
} from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { invalid } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { positionOf, savePosition } from './agent-store.js';

/** The seams the composition root gives the fleet into the metrics and log domains. */
export interface FleetIngestSeams {
  /** Stores a PutMetricData body durably (what alarms evaluate); a bad one is a TocsinError naming the field. */
  putMetrics: (body: PutMetricData) => Promise<unknown>;
  /** Ingests events into log group `group`; resolves once they are stored. */
  ingestLogs: (group: string, events: LogEvent[]) => Promise<void>;
}

export const HOST_NAMESPACE = 'CWAgent';

type MetricsFrame = Extract<AgentMessage, { type: 'metrics' }>;

export interface IngestingAgent {
  id: string;
  hostname: string;
}

export class AgentIngest {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly seams: FleetIngestSeams,
  ) {}

  /** Stores a metrics frame; answers the number of datapoints. */
  async metrics(agent: IngestingAgent, frame: MetricsFrame): Promise<number> {
    if (frame.data.length === 0) return 0;
    const Timestamp = new Date(frame.time).toISOString();
    const MetricData = frame.data.map((d) => ({
      MetricName: d.name,
      Dimensions: Object.entries({ ...d.dimensions, InstanceId: agent.id, host: agent.hostname }).map(
        ([Name, Value]) => ({ Name, Value }),
      ),
      Value: d.value,
      Timestamp,
      ...(d.unit ? { Unit: d.unit } : {}),
      ...(frame.storageResolution === 1 ? { StorageResolution: 1 as const } : {}),
    }));
    await this.seams.putMetrics({ Namespace: HOST_NAMESPACE, MetricData });
    return MetricData.length;
  }

  /** Takes a log batch unless taken already; answers whether it was new. */
  async logs(agent: IngestingAgent, b: LogBatch): Promise<'taken' | 'duplicate'> {
    const group = logGroupNameSchema.safeParse(b.group);
    if (!group.success) throw invalid([{ path: 'group', message: group.error.issues[0]?.message ?? 'bad' }]);
    if (b.to < b.from) throw invalid([{ path: 'to', message: 'must not be before from' }]);
    const stored = await positionOf(this.db, agent.id, b.source);
    if (stored && stored.file === b.file && b.to <= stored.to_offset) return 'duplicate';
    const now = this.clock.now();
    const events = b.lines.map(
      (l): LogEvent => ({
        time: l.time,
        observedTime: now,
        group: b.group,
        stream: agent.hostname,
        source: b.source.slice(0, 256),
        level: 0,
        levelText: '',
        message: l.message,
        attributes: {},
        resource: { agent: agent.id, host: agent.hostname },
      }),
    );
    const bad = events.map((e, i) => ({ i, problem: logEventProblem(e) })).find((p) => p.problem);
    if (bad) throw invalid([{ path: `lines.${bad.i}`, message: bad.problem! }]);
    if (events.length) await this.seams.ingestLogs(b.group, events);
    await savePosition(this.db, {
      agent_id: agent.id,
      source: b.source,
      file: b.file,
      to_offset: b.to,
      updated_at: now,
    });
    return 'taken';
  }
}
