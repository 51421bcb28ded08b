import type { AppContext, AppModule } from '../app-module.js';
import type { HeartbeatService } from '../heartbeats/heartbeat-service.js';
import type { GroupService } from '../monitors/group-service.js';
import type { MaintenanceService } from '../monitors/maintenance-service.js';
import type { MonitorService } from '../monitors/monitor-service.js';
import { PublicStatusService } from './public-status-service.js';
import { registerPublicStatusRoutes } from './public-status-routes.js';
import { statusPageConfigSection } from './status-page-config.js';
import { registerStatusPageRoutes } from './status-page-routes.js';
import { STATUS_PAGES_TOPIC, StatusPageService, type ItemNames } from './status-page-service.js';
import { StatusSnapshotCache } from './status-snapshot-cache.js';

export interface StatusPagesModule extends AppModule {
  statusPages: StatusPageService;
  snapshots: StatusSnapshotCache;
}

/** What a status page reads: the services owning its items, and maintenance windows. */
export interface StatusPageSources {
  monitors: MonitorService;
  heartbeats: HeartbeatService;
  groups: GroupService;
  maintenance: MaintenanceService;
}

/**
 * Public status pages, their incidents and badges. The public answers come from a cache (at most one build per
 * slug each 30 s, at once after a change to the page or its incidents, here or on another node).
 */
export function statusPagesModule(ctx: AppContext, sources: StatusPageSources): StatusPagesModule {
  const { monitors, heartbeats, groups, maintenance } = sources;
  const names = (): ItemNames => ({
    monitor: new Set(monitors.list().map((m) => m.name)),
    heartbeat: new Set(heartbeats.list().map((h) => h.name)),
    group: new Set(groups.list().map((g) => g.name)),
  });
  const statusPages = new StatusPageService(ctx.db, ctx.clock, names, ctx.publicUrl, ctx.cluster.changes, (change) =>
    ctx.live.emit(change),
  );
  const statuses = new PublicStatusService(ctx.clock, statusPages, monitors, heartbeats, groups, maintenance);
  const snapshots = new StatusSnapshotCache(ctx.clock, statuses);
  statusPages.onChange((slug) => snapshots.invalidate(slug));
  ctx.cluster.changes.on(STATUS_PAGES_TOPIC, {
    changed: async (slugs) => statusPages.changed(slugs),
    resync: async () => snapshots.cache.clear(),
  });
  return {
    name: 'status-pages',
    statusPages,
    snapshots,
    configSections: [statusPageConfigSection(statusPages, { now: names })],
    routes(app) {
      registerStatusPageRoutes(app, ctx.tokens, statusPages);
      registerPublicStatusRoutes(app, ctx.tokens, snapshots);
    },
  };
}
