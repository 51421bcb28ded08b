import type { LogEvent, LogGroupSpec } from '@tocsin/protocol';
import type { AppContext, AppModule } from '../app-module.js';
import { logGroupConfigSection } from './log-group-config.js';
import { registerLogGroupRoutes } from './log-group-routes.js';
import { LOG_GROUPS_TOPIC, LogGroupService, type RetentionHold } from './log-group-service.js';
import { groupStats } from './log-block-store.js';
import { LogPipeline, type LogsCore, type PipelineStatusPart } from './log-pipeline.js';
import { registerLogQueryRoutes } from './log-query-routes.js';
import { LogQueryService } from './log-query-service.js';
import { LogWriter, defaultWriterOptions, type LogWriterOptions } from './log-writer.js';
import { TelemetryPipelineCounters } from './pipeline-counters.js';

/** What the log modules built after this one take from it. */
export interface LogsModule extends AppModule, LogsCore {
  writer: LogWriter;
  groups: LogGroupService;
  queries: LogQueryService;
  counters: TelemetryPipelineCounters;
  /** The `ingest` and `storage` parts of `GET /api/logs/pipeline`. */
  statusParts: PipelineStatusPart[];
  /** What an archive reads: groups, a day's events, and a hold on retention. */
  archiveSource: LogArchiveSource;
}

export interface LogArchiveSource {
  /** Every group, with the time of its oldest stored event (none: no event stored yet). */
  groups(): Promise<{ name: string; firstTime?: number }[]>;
  range(group: string, from: number, to: number): AsyncGenerator<LogEvent[]>;
  /** Keeps events retention would delete (added before the server starts). */
  hold(hold: RetentionHold): void;
}

export interface LogsOptions {
  /** Block sizes and codec (tests, the bench); the queue's maximum is the TOCSIN_LOGS_QUEUE_BYTES setting. */
  writer?: Partial<Omit<LogWriterOptions, 'maxQueueBytes'>>;
}

/**
 * Log storage and the pipeline's spine: the write queue (flushed when a block fills and every second, on every
 * node: each flushes its own buffers), log groups, queries, retention, and the pipeline other log modules add
 * their stages to.
 */
export function logsModule(ctx: AppContext, options: LogsOptions = {}): LogsModule {
  const logger = ctx.logger.child({ component: 'logs' });
  const flushFailures = ctx.telemetry.counter(
    'tocsin_logs_flush_failures_total',
    'Flushes of log blocks whose transaction failed (their events stay queued and are retried)',
  );
  let writer: LogWriter | undefined;
  const groups = new LogGroupService(
    ctx.db,
    ctx.clock,
    ctx.cluster.changes,
    (group) => writer!.discard(group),
    (group) => writer!.pending(group).reduce((n, b) => n + b.events.length, 0),
  );
  writer = new LogWriter(
    ctx.db,
    ctx.clock,
    logger,
    groups.writerGroups(),
    { ...defaultWriterOptions, ...options.writer, maxQueueBytes: ctx.settings.logsQueueBytes },
    () => flushFailures.inc(),
  );
  const w = writer;
  const holds: RetentionHold[] = [];
  const counters = new TelemetryPipelineCounters(ctx.telemetry, ctx.clock, logger);
  const pipeline = new LogPipeline(w, counters);
  const queries = new LogQueryService(ctx.db, ctx.clock, w, (name) => groups.has(name));
  ctx.cluster.changes.on(LOG_GROUPS_TOPIC, {
    changed: (names) => groups.changed(names),
    resync: () => groups.load(),
  });
  ctx.telemetry.gauge('tocsin_logs_queue_bytes', 'Raw bytes of log events waiting to be stored', () => [
    { value: Math.round(w.queuedBytes) },
  ]);
  ctx.telemetry.gauge('tocsin_logs_flush_lag_seconds', 'How long the oldest log event not stored has waited', () => [
    { value: w.lagMs() / 1000 },
  ]);
  ctx.every({ name: 'logs-flush', everyMs: 1_000, everyNode: true, run: () => w.flush(true) });
  const storage: PipelineStatusPart = {
    name: 'storage',
    status: () => ({
      queueBytes: Math.round(w.queuedBytes),
      maxQueueBytes: w.options.maxQueueBytes,
      pendingBlocks: w.pendingBlocks(),
      flushLagMs: w.lagMs(),
      ...w.stats,
      lastFlushAt: w.stats.lastFlushAt === undefined ? undefined : new Date(w.stats.lastFlushAt).toISOString(),
      lastError: w.stats.lastError && { ...w.stats.lastError, at: new Date(w.stats.lastError.at).toISOString() },
    }),
  };
  return {
    name: 'logs',
    pipeline,
    groupSpecs: (): readonly LogGroupSpec[] => groups.specs(),
    writer: w,
    groups,
    queries,
    counters,
    statusParts: [counters.statusPart(), storage],
    configSections: [logGroupConfigSection(groups)],
    routes(app) {
      registerLogGroupRoutes(app, ctx.tokens, groups);
      registerLogQueryRoutes(app, ctx.tokens, queries);
    },
    archiveSource: {
      groups: async () => {
        const first = new Map((await groupStats(ctx.db)).map((g) => [g.group, g.firstTime]));
        return groups.records().map((g) => ({ name: g.spec.name, firstTime: first.get(g.spec.name) }));
      },
      range: (group, from, to) => queries.range(group, from, to),
      hold: (hold) => void holds.push(hold),
    },
    retention: [groups.retention(holds)],
    load: () => groups.load(),
    close: () => w.close(),
  };
}
