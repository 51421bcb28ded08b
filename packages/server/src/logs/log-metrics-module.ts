/**
 * Log lines into datapoints and alarms: metric filters, embedded metrics
 * (EMF) and log alarms, as three pipeline stages that fold what they find
 * into per-second buckets in memory; a job on every node drains them into
 * the metric sink once a second (one write a second, never one per line).
 * Log alarms are managed alarms of the alarm engine (log-alarm-manager.ts),
 * reconciled with their rules by a scheduler job on one node.
 */
import type { AppContext, AppModule } from '../app-module.js';
import type { AlarmService } from '../alarms/alarm-service.js';
import type { LogRuleCatalog, LogsCore, PipelineStatusPart } from './log-pipeline.js';
import { FilterEventCache } from './metric-filters/filter-event-cache.js';
import { EmbeddedMetricsStage, type EmfRejection } from './metric-filters/embedded-metrics-stage.js';
import { LogAlarmManager } from './metric-filters/log-alarm-manager.js';
import { LogAlarmStage } from './metric-filters/log-alarm-stage.js';
import { MetricFilterStage } from './metric-filters/metric-filter-stage.js';
import { SeriesBuckets } from './metric-filters/series-buckets.js';

export const LOG_METRICS_FLUSH_JOB = 'log-metrics-flush';
export const LOG_ALARM_SYNC_JOB = 'log-alarm-sync';
const FLUSH_EVERY_MS = 1_000;
const RESYNC_EVERY_MS = 5 * 60_000;

export interface LogMetricsModule extends AppModule {
  /** For `GET /api/logs/pipeline` and `tocsin pipeline status`: metric filters, embedded metrics, log alarms. */
  statusParts: PipelineStatusPart[];
  /** Drains the buckets into the metric sink now (the flush job's work; tests and close). */
  flush(): void;
}

export interface LogMetricsOptions {
  /** Told each rejected EMF line (the watchdog counts them as rule errors). */
  onEmfRejected?: (r: EmfRejection) => void;
}

export function logMetricsModule(
  ctx: AppContext,
  core: LogsCore,
  catalog: LogRuleCatalog,
  alarms: AlarmService,
  options: LogMetricsOptions = {},
): LogMetricsModule {
  const logger = ctx.logger.child({ component: 'log-metrics' });
  const buckets = new SeriesBuckets();
  const views = new FilterEventCache();
  const filters = new MetricFilterStage(buckets, views);
  const emf = new EmbeddedMetricsStage(buckets, options.onEmfRejected);
  // Last: it lets the batch's filter events go.
  const logAlarms = new LogAlarmStage(buckets, views);
  const manager = new LogAlarmManager(alarms, catalog, logAlarms, ctx.publicUrl, logger);
  const applyRules = () => {
    const rules = catalog.list();
    filters.setRules(rules);
    logAlarms.setRules(rules);
  };
  applyRules();
  // The managed alarms follow the rules on one node (the job's key has one owner), so that nodes told of the
  // same change do not race to make the same alarm; again every few minutes, should a change have been missed.
  ctx.scheduler.addJob({
    name: LOG_ALARM_SYNC_JOB,
    concurrency: 1,
    run: async () => {
      await manager.reconcile();
      return ctx.clock.now() + RESYNC_EVERY_MS;
    },
  });
  const resync = () => ctx.scheduler.schedule(LOG_ALARM_SYNC_JOB, 'all', ctx.clock.now());
  resync();
  catalog.onChange(() => {
    applyRules();
    resync();
  });
  core.pipeline.addStage(filters);
  core.pipeline.addStage(emf);
  core.pipeline.addStage(logAlarms);
  const flush = () => {
    const now = ctx.clock.now();
    filters.flush(now);
    logAlarms.flush(now);
    if (buckets.size) ctx.sink.record(buckets.drain());
  };
  // Every node: each folds the lines it ingested.
  ctx.every({
    name: LOG_METRICS_FLUSH_JOB,
    everyMs: FLUSH_EVERY_MS,
    everyNode: true,
    run: async () => flush(),
  });
  const alarmStatus: PipelineStatusPart = {
    name: 'log-alarms',
    status: () => ({ ...logAlarms.status(), ...manager.status() }),
  };
  return {
    name: 'log-metrics',
    statusParts: [filters, emf, alarmStatus],
    flush,
    close: async () => flush(),
  };
}
