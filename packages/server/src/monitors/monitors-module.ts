import type { AppContext, AppModule } from '../app-module.js';
import type { LiveChange } from '../live/live-hub.js';
import type { MonitorRuntime } from './monitor-state.js';
import type { Monitor } from './monitor-types.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { MaintenanceService } from './maintenance-service.js';
import { maintenanceConfigSection, monitorConfigSection, monitorTopicReferrer } from './monitor-config.js';
import { registerMonitorChangeRoutes } from './monitor-change-routes.js';
import { MonitorChangeService } from './monitor-change-service.js';
import { recordCheckDatapoints } from './monitor-datapoints.js';
import { MonitorRegistry } from './monitor-registry.js';
import { registerRecentRoutes } from './monitor-recent-routes.js';
import { registerMonitorRoutes } from './monitor-routes.js';
import { CHECK_JOB, MonitorRunner } from './monitor-runner.js';
import { MonitorService } from './monitor-service.js';
import { MonitorSync } from './monitor-sync.js';
import { runProbe } from './probes/probe-registry.js';
import { RecentResults } from './recent-results.js';
import { ResultRecorder } from './result-recorder.js';
import { pruneResults } from './result-store.js';
import { noRemoteProber, type RemoteProber } from './location-ports.js';
import { LocationResults } from './location-results.js';
import { pruneLocations } from './location-store.js';

/** How often buffered monitor results are written (states are written as each check ends). */
const MONITOR_FLUSH_MS = 5_000;

export interface MonitorsModule extends AppModule {
  monitors: MonitorService;
  /** The last checks of each monitor (sparklines, uptime bars). */
  recent: RecentResults;
  runner: MonitorRunner;
  maintenance: MaintenanceService;
  topicReferrer: TopicReferrer;
}

/** Uptime checks: monitors, maintenance windows, the check runner and its result flush. */
export function monitorsModule(
  ctx: AppContext,
  options: { checkConcurrency?: number; remote?: RemoteProber } = {},
): MonitorsModule {
  const { db, clock, scheduler, telemetry, settings } = ctx;
  const registry = new MonitorRegistry();
  const recorder = new ResultRecorder(db);
  const locationResults = new LocationResults(db);
  const { fence, changes } = ctx.cluster;
  const maintenance = new MaintenanceService(
    db,
    clock,
    (q) => changes.publish(q, 'maintenance', []),
    (change) => ctx.live.emit(change),
  );
  const reloadWindows = () => maintenance.load();
  changes.on('maintenance', { changed: reloadWindows, resync: reloadWindows });
  const recent = new RecentResults();
  const emit = (change: LiveChange) => {
    if (change.state === 'deleted') recent.forget(change.name);
    ctx.live.emit(change);
  };
  const sync = new MonitorSync(db, clock, registry, scheduler, fence, recorder);
  const monitors = new MonitorService(
    db,
    clock,
    registry,
    scheduler,
    recorder,
    ctx.topicNames,
    (q, ids) => changes.publish(q, 'monitors', ids),
    ctx.cluster.mode === 'cluster' ? () => sync.refreshUnowned() : undefined,
    emit,
    locationResults,
  );
  const history = new MonitorChangeService(db, monitors);
  changes.on('monitors', { changed: (ids) => sync.changed(ids), resync: () => sync.resync() });
  ctx.cluster.onGain((gained) => sync.gained(gained));
  const checks = telemetry.counter('tocsin_checks_total', 'Monitor checks run, by result (up, down).');
  const onCheck = (name: string, up: boolean, latencyMs: number) => {
    checks.inc({ result: up ? 'up' : 'down' });
    const now = clock.now();
    recent.record(name, up, latencyMs, now);
    recordCheckDatapoints(ctx.sink, name, up, latencyMs, now);
  };
  const onTransition = (m: Monitor, rt: MonitorRuntime, at: number) =>
    emit({ type: 'monitor', name: m.name, state: rt.state, at, reason: rt.lastReason ?? undefined });
  const logger = ctx.logger.child({ component: 'monitors' });
  const { publisher } = ctx;
  const runner = new MonitorRunner(
    db,
    clock,
    registry,
    recorder,
    maintenance,
    publisher,
    logger,
    fence,
    onCheck,
    runProbe,
    onTransition,
    { remote: options.remote ?? noRemoteProber, results: locationResults },
  );
  scheduler.addJob({
    name: CHECK_JOB,
    concurrency: options.checkConcurrency ?? 256,
    run: (id, dueAt) => runner.check(id, dueAt),
  });
  telemetry.gauge('tocsin_monitors', 'Monitors by state.', () => {
    const counts = new Map<string, number>();
    for (const m of monitors.list()) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
    return [...counts].map(([state, value]) => ({ labels: { state }, value }));
  });

  return {
    name: 'monitors',
    monitors,
    recent,
    runner,
    maintenance,
    topicReferrer: monitorTopicReferrer(monitors),
    configSections: [monitorConfigSection(monitors, ctx.topicNames), maintenanceConfigSection(maintenance)],
    routes(app) {
      registerRecentRoutes(app, ctx.tokens, monitors, recent, ctx.clock);
      registerMonitorRoutes(app, ctx.tokens, monitors, maintenance, () => clock.now());
      registerMonitorChangeRoutes(app, ctx.tokens, history);
    },
    retention: [
      {
        domain: 'results',
        prune: (now) => pruneResults(db, now - settings.retention.results, now - settings.retention.rollups),
      },
      { domain: 'monitor-changes', prune: (now) => history.prune(now) },
      {
        domain: 'monitor-locations',
        prune: async (now) => void (await pruneLocations(db, now - settings.retention.results)),
      },
    ],
    async load() {
      await maintenance.load();
      await monitors.load();
    },
    start() {
      ctx.every({
        name: 'monitor-result-flush',
        everyMs: MONITOR_FLUSH_MS,
        everyNode: true,
        run: () => runner.flush(),
      });
    },
    async close() {
      await runner.close().catch((err) => ctx.logger.warn('writing monitor results failed', { err }));
    },
  };
}
