import type { AppContext, AppModule } from '../app-module.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { MaintenanceService } from './maintenance-service.js';
import { maintenanceConfigSection, monitorConfigSection, monitorTopicReferrer } from './monitor-config.js';
import { recordCheckDatapoints } from './monitor-datapoints.js';
import { MonitorRegistry } from './monitor-registry.js';
import { registerMonitorRoutes } from './monitor-routes.js';
import { CHECK_JOB, MonitorRunner } from './monitor-runner.js';
import { MonitorService } from './monitor-service.js';
import { MonitorSync } from './monitor-sync.js';
import { ResultRecorder } from './result-recorder.js';
import { pruneResults } from './result-store.js';

/** How often buffered monitor results are written (states are written as each check ends). */
const MONITOR_FLUSH_MS = 5_000;

export interface MonitorsModule extends AppModule {
  monitors: MonitorService;
  runner: MonitorRunner;
  maintenance: MaintenanceService;
  topicReferrer: TopicReferrer;
}

/** Uptime checks: monitors, maintenance windows, the check runner and its result flush. */
export function monitorsModule(ctx: AppContext, options: { checkConcurrency?: number } = {}): MonitorsModule {
  const { db, clock, scheduler, telemetry, settings } = ctx;
  const registry = new MonitorRegistry();
  const recorder = new ResultRecorder(db);
  const { fence, changes } = ctx.cluster;
  const maintenance = new MaintenanceService(db, clock, (q) => changes.publish(q, 'maintenance', []));
  const reloadWindows = () => maintenance.load();
  changes.on('maintenance', { changed: reloadWindows, resync: reloadWindows });
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
  );
  changes.on('monitors', { changed: (ids) => sync.changed(ids), resync: () => sync.resync() });
  ctx.cluster.onGain((gained) => sync.gained(gained));
  const checks = telemetry.counter('tocsin_checks_total', 'Monitor checks run, by result (up, down).');
  const onCheck = (name: string, up: boolean, latencyMs: number) => {
    checks.inc({ result: up ? 'up' : 'down' });
    recordCheckDatapoints(ctx.sink, name, up, latencyMs, clock.now());
  };
  const logger = ctx.logger.child({ component: 'monitors' });
  const runner = new MonitorRunner(db, clock, registry, recorder, maintenance, ctx.publisher, logger, fence, onCheck);
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
    runner,
    maintenance,
    topicReferrer: monitorTopicReferrer(monitors),
    configSections: [monitorConfigSection(monitors, ctx.topicNames), maintenanceConfigSection(maintenance)],
    routes: (app) => registerMonitorRoutes(app, ctx.tokens, monitors, maintenance, () => clock.now()),
    retention: [
      {
        domain: 'results',
        prune: (now) => pruneResults(db, now - settings.retention.results, now - settings.retention.rollups),
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
