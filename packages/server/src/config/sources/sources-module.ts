import type { AppContext, AppModule } from '../../app-module.js';
import type { ApplyRequest, ApplyResult } from '../config-apply-service.js';
import type { MonitorService } from '../../monitors/monitor-service.js';
import { sourceConfigSection } from './source-config.js';
import { registerSourceRoutes } from './source-routes.js';
import { SourceService, type SourceMonitors } from './source-service.js';
import { SourceStore } from './source-store.js';

/** How often the job looks for a source that is due; each source's own `every` says when it is. */
export const SOURCE_TICK_MS = 10_000;

export interface SourcesModule extends AppModule {
  sources: SourceService;
}

export interface SourcesOptions {
  /** The config apply service's apply (bound late in app.ts: the config module is built from every section). */
  apply: (req: ApplyRequest) => Promise<ApplyResult>;
  monitors: SourceMonitors & Pick<MonitorService, 'parse'>;
}

/** Monitors from an object: the `sources:` section, a job (one node reads each source), and /api/sources. */
export function sourcesModule(ctx: AppContext, options: SourcesOptions): SourcesModule {
  const store = new SourceStore(ctx.db);
  const sources = new SourceService({
    db: ctx.db,
    store,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'sources' }),
    apply: options.apply,
    monitors: options.monitors,
  });
  // The defaults must make an http monitor with any entry's name and URL.
  const checkDefaults = (defaults: Record<string, unknown>, path: string) => {
    options.monitors.parse({ type: 'http', ...defaults, name: 'entry', url: 'http://127.0.0.1/' }, path);
  };
  ctx.every({ name: 'config-sources', everyMs: SOURCE_TICK_MS, firstAt: (now) => now, run: () => sources.tick() });
  return {
    name: 'sources',
    sources,
    configSections: [sourceConfigSection(store, checkDefaults)],
    routes: (app) => registerSourceRoutes(app, ctx.tokens, sources),
  };
}
