import type { AppModule, BaseContext } from '../app-module.js';
import type { TokenService } from '../tokens/token-service.js';
import { MetricService } from './metric-service.js';
import { MetricSink } from './metric-sink.js';
import { registerMetricRoutes } from './metric-routes.js';
import { rollUp } from './metric-rollups.js';
import { pruneRollups } from './rollup-store.js';
import { pruneDatapoints } from './metric-store.js';

export interface MetricsModule extends AppModule {
  service: MetricService;
  /** Where other domains record internal datapoints, and alarms say what they watch. */
  sink: MetricSink;
}

/** The user's metrics: ingest, storage, per-minute rollups and the index sweep. */
export function metricsModule(ctx: BaseContext, tokens: TokenService): MetricsModule {
  const { db, clock, settings } = ctx;
  const service = new MetricService(ctx.handle, clock, ctx.logger.child({ component: 'metrics' }));
  const sink = new MetricSink((data) => service.record(data));
  // Each minute, raw datapoints about to expire are rolled up per minute.
  ctx.every({
    name: 'metric-rollup',
    everyMs: 60_000,
    firstAt: (now) => Math.floor(now / 60_000) * 60_000 + 30_000,
    run: () => rollUp(db, clock.now()),
  });
  // Indexes ingest-log batches this node did not write (another node's, or from before a restart).
  const sweep = () => service.indexer.flush();
  ctx.every({ name: 'metric-index-sweep', everyMs: 5_000, firstAt: (now) => now + 1_000, run: sweep });
  return {
    name: 'metrics',
    service,
    sink,
    routes: (app) => registerMetricRoutes(app, tokens, service, () => clock.now()),
    retention: [
      { domain: 'datapoints', prune: (now) => pruneDatapoints(db, now - settings.retention.datapoints) },
      { domain: 'metric-rollups', prune: (now) => pruneRollups(db, now - settings.retention.rollups) },
    ],
    close: () => service.close(),
  };
}
