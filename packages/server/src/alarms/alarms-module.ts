import type { AppContext, AppModule } from '../app-module.js';
import type { MetricService } from '../metrics/metric-service.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { DestinationService } from '../notify/destination-service.js';
import { alarmConfigSection, alarmTopicReferrer } from './alarm-config.js';
import { registerAlarmRoutes } from './alarm-routes.js';
import { AlarmService, EVAL_JOB } from './alarm-service.js';

export interface AlarmsModule extends AppModule {
  alarms: AlarmService;
  topicReferrer: TopicReferrer;
}

/** Metric and composite alarms: they read periods from the metrics domain and register what they watch in the sink. */
export function alarmsModule(ctx: AppContext, metrics: MetricService): AlarmsModule {
  const alarms = new AlarmService(
    ctx.db,
    ctx.clock,
    ctx.scheduler,
    ctx.publisher,
    new DestinationService(ctx.clock),
    (key, statistic, periodMs, end, n) => metrics.periods(key, statistic, periodMs, end, n),
    ctx.sink,
  );
  ctx.scheduler.addJob({ name: EVAL_JOB, concurrency: 16, run: (id) => alarms.evaluateNow(id) });
  return {
    name: 'alarms',
    alarms,
    topicReferrer: alarmTopicReferrer(alarms),
    configSections: [alarmConfigSection(alarms, ctx.topicNames)],
    routes: (app) => registerAlarmRoutes(app, ctx.tokens, alarms),
    load: () => alarms.load(),
  };
}
