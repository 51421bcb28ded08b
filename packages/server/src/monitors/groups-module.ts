import type { AppContext, AppModule } from '../app-module.js';
import { groupConfigSection } from './group-config.js';
import { registerGroupRoutes } from './group-routes.js';
import { GROUPS_TOPIC, GroupService } from './group-service.js';
import type { MonitorService } from './monitor-service.js';

const SAMPLE_EVERY_MS = 60_000;

export interface GroupsModule extends AppModule {
  groups: GroupService;
}

/** Groups of monitors: each minute, every group's healthy count becomes a datapoint (on the node owning the job). */
export function groupsModule(ctx: AppContext, monitors: MonitorService): GroupsModule {
  const groups = new GroupService(ctx.db, monitors, {
    changes: ctx.cluster.changes,
    // The states of monitors other nodes check, read again before a sample counts them.
    beforeSample: () => monitors.refreshUnowned(),
  });
  ctx.cluster.changes.on(GROUPS_TOPIC, { changed: (names) => groups.changed(names), resync: () => groups.load() });
  ctx.every({
    name: 'group-sample',
    everyMs: SAMPLE_EVERY_MS,
    firstAt: (now) => Math.floor(now / SAMPLE_EVERY_MS) * SAMPLE_EVERY_MS + SAMPLE_EVERY_MS,
    // A sample is of its due minute: after a pause, each missed minute gets its own.
    catchUp: true,
    run: async (dueAt) => ctx.sink.record(await groups.sample(dueAt)),
  });
  return {
    name: 'groups',
    groups,
    configSections: [groupConfigSection(groups)],
    routes: (app) => registerGroupRoutes(app, ctx.tokens, groups, () => monitors.refreshUnowned()),
    load: () => groups.load(),
  };
}
