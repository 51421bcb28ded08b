import type { StartRun } from './alarm-actions.js';
import type { AppContext, AppModule } from '../app-module.js';
import type { MetricService } from '../metrics/metric-service.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { DestinationService } from '../notify/destination-service.js';
import { alarmConfigSection, alarmTopicReferrer } from './alarm-config.js';
import { registerAlarmRoutes } from './alarm-routes.js';
import { AlarmService, EVAL_JOB } from './alarm-service.js';
import { ALARMS_TOPIC } from './alarm-transition-writer.js';

export interface AlarmsModule extends AppModule {
  alarms: AlarmService;
  topicReferrer: TopicReferrer;
}

/**
 * Metric and composite alarms: they read periods from the metrics domain and register what they watch in the sink.
 * In a cluster, each node evaluates the alarms whose keys it owns, and reads again those changed elsewhere.
 */
export function alarmsModule(
  ctx: AppContext,
  metrics: MetricService,
  options: { startRun?: StartRun } = {},
): AlarmsModule {
  const alarms = new AlarmService({
    db: ctx.db,
    clock: ctx.clock,
    scheduler: ctx.scheduler,
    publisher: ctx.publisher,
    destinations: new DestinationService(ctx.clock),
    periods: (key, statistic, periodMs, end, n) => metrics.periods(key, statistic, periodMs, end, n),
    watchRegistry: ctx.sink,
    fence: ctx.cluster.fence,
    changes: ctx.cluster.changes,
    logger: ctx.logger.child({ component: 'alarms' }),
    live: (change) => ctx.live.emit(change),
    startRun: options.startRun,
  });
  ctx.scheduler.addJob({ name: EVAL_JOB, concurrency: 16, run: (id) => alarms.evaluateNow(id) });
  ctx.cluster.changes.on(ALARMS_TOPIC, {
    changed: (ids) => alarms.sync.changed(ids),
    resync: () => alarms.sync.resync(),
  });
  ctx.cluster.onGain((gained) => alarms.sync.gained(gained));
  return {
    name: 'alarms',
    alarms,
    topicReferrer: alarmTopicReferrer(alarms),
    configSections: [alarmConfigSection(alarms, ctx.topicNames)],
    routes: (app) => registerAlarmRoutes(app, ctx.tokens, alarms),
    load: () => alarms.load(),
  };
}
