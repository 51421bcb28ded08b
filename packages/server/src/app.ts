/**
 * The composition root: the one place where domains meet. It opens the
 * database, builds every service, and wires the HTTP routes and workers.
 */
import os from 'node:os';
import { sql } from 'kysely';
import { systemClock, type Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import { Telemetry } from './core/telemetry.js';
import { migrate, openDatabase, type Db } from './db/database.js';
import type { Settings } from './config/settings.js';
import { ConfigApplyService } from './config/config-apply-service.js';
import { registerConfigRoutes } from './config/config-routes.js';
import { createHttpApp } from './http/http-app.js';
import type { App } from './http/route-kit.js';
import { registerSystemRoutes } from './http/system-routes.js';
import { createChannelRegistry, type ChannelRegistry } from './notify/channels/channel-registry.js';
import { closeHttpAgents } from './notify/channels/http-sender.js';
import { registerConfirmRoutes } from './notify/confirm-routes.js';
import { registerDeliveryRoutes } from './notify/delivery-routes.js';
import { DeliveryService } from './notify/delivery-service.js';
import { DestinationService } from './notify/destination-service.js';
import { OutboxWorker, type OutboxOptions } from './notify/outbox-worker.js';
import { outboxStats, pruneOutbox } from './notify/outbox-store.js';
import { PublishService } from './notify/publish-service.js';
import { topicConfigSection } from './notify/topic-config.js';
import { registerTopicRoutes } from './notify/topic-routes.js';
import { registerSubscriptionTestRoutes } from './notify/subscription-test-routes.js';
import { SubscriptionTestService } from './notify/subscription-test-service.js';
import { TopicService } from './notify/topic-service.js';
import { MaintenanceService } from './monitors/maintenance-service.js';
import { maintenanceConfigSection, monitorConfigSection, monitorTopicReferrer } from './monitors/monitor-config.js';
import { MonitorRegistry } from './monitors/monitor-registry.js';
import { registerMonitorRoutes } from './monitors/monitor-routes.js';
import { CHECK_JOB, MonitorRunner } from './monitors/monitor-runner.js';
import { MonitorService } from './monitors/monitor-service.js';
import { ResultRecorder } from './monitors/result-recorder.js';
import { pruneResults } from './monitors/result-store.js';
import { Scheduler } from './scheduler/scheduler.js';
import { alarmConfigSection, alarmTopicReferrer } from './alarms/alarm-config.js';
import { registerAlarmRoutes } from './alarms/alarm-routes.js';
import { AlarmService, EVAL_JOB } from './alarms/alarm-service.js';
import { registerMetricRoutes } from './metrics/metric-routes.js';
import { MetricService } from './metrics/metric-service.js';
import { pruneDatapoints } from './metrics/metric-store.js';
import { rollUp } from './metrics/metric-rollups.js';
import { pruneRollups } from './metrics/rollup-store.js';
import { groupConfigSection } from './monitors/group-config.js';
import { GroupService } from './monitors/group-service.js';
import { heartbeatConfigSection, heartbeatTopicReferrer } from './heartbeats/heartbeat-config.js';
import { registerHcApiRoutes } from './heartbeats/hc-api-routes.js';
import { HcApiService } from './heartbeats/hc-api-service.js';
import { HeartbeatRegistry } from './heartbeats/heartbeat-registry.js';
import { registerHeartbeatRoutes } from './heartbeats/heartbeat-routes.js';
import { DEADLINE_JOB, HeartbeatService } from './heartbeats/heartbeat-service.js';
import { prunePings } from './heartbeats/heartbeat-store.js';
import { createPingHandler, pingListener, registerPingRoutes, type PingOptions } from './heartbeats/ping-routes.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PingWriter } from './heartbeats/ping-writer.js';
import { listTopics } from './notify/topic-store.js';
import { registerTokenRoutes } from './tokens/token-routes.js';
import { TokenService } from './tokens/token-service.js';

/** Delivered deliveries and their events are kept this long; dead letters longer, for replay. */
const DELIVERED_RETENTION_MS = 30 * 86400_000;
const DEAD_RETENTION_MS = 90 * 86400_000;
/** Raw check results, then hourly rollups. */
const RAW_RESULT_RETENTION_MS = 7 * 86400_000;
const ROLLUP_RETENTION_MS = 366 * 86400_000;
const PING_RETENTION_MS = 30 * 86400_000;
const DATAPOINT_RETENTION_MS = 15 * 86400_000;
/** How often buffered monitor results are written (states are written as each check ends). */
const MONITOR_FLUSH_MS = 5_000;

export interface TocsinOptions {
  clock?: Clock;
  logger: Logger;
  /** PostgreSQL only: the schema to work in (tests). */
  schema?: string;
  outbox?: Partial<OutboxOptions>;
  /** Checks running at once. */
  checkConcurrency?: number;
  pings?: Partial<PingOptions>;
  channels?: ChannelRegistry;
}

export interface Tocsin {
  settings: Settings;
  nodeId: string;
  handle: Db;
  http: App;
  telemetry: Telemetry;
  tokens: TokenService;
  topics: TopicService;
  publisher: PublishService;
  deliveries: DeliveryService;
  config: ConfigApplyService;
  outbox: OutboxWorker;
  scheduler: Scheduler;
  monitors: MonitorService;
  monitorRunner: MonitorRunner;
  maintenance: MaintenanceService;
  heartbeats: HeartbeatService;
  pingWriter: PingWriter;
  metricsStore: MetricService;
  alarms: AlarmService;
  groups: GroupService;
  /** Answers /ping/ requests straight from node:http (the hot path); false for other requests. */
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Starts background workers. */
  start(): void;
  /** Stops workers and closes the database. */
  close(): Promise<void>;
}

export async function createTocsin(settings: Settings, options: TocsinOptions): Promise<Tocsin> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const nodeId = settings.nodeId ?? `${os.hostname()}-${process.pid}`;
  const handle = openDatabase(settings.databaseUrl, { schema: options.schema });
  await migrate(handle);
  const db = handle.db;
  if (handle.dialect === 'sqlite') {
    // One process owns a SQLite file: leases left by a crashed run are void.
    await db.deleteFrom('subscription_leases').execute();
  }

  const telemetry = new Telemetry();
  const tokens = new TokenService(db, clock, settings.adminToken);
  const channels = options.channels ?? createChannelRegistry({ smtpUrl: settings.smtpUrl, mailFrom: settings.mailFrom });
  const scheduler = new Scheduler(clock, logger.child({ component: 'scheduler' }), telemetry);
  const outbox = new OutboxWorker(
    db,
    clock,
    scheduler,
    channels,
    {
      unsubscribe: (sub) => `${settings.publicUrl}/unsubscribe/${sub.unsubscribeToken}`,
      confirm: (token) => `${settings.publicUrl}/confirm/${token}`,
    },
    logger.child({ component: 'outbox' }),
    telemetry,
    { nodeId, ...options.outbox },
  );
  const wake = () => outbox.wake();
  const publisher = new PublishService(db, clock, wake);
  const deliveries = new DeliveryService(db, clock, wake);
  const registry = new MonitorRegistry();
  const recorder = new ResultRecorder(db);
  const maintenance = new MaintenanceService(db, clock);
  await maintenance.load();
  const monitors = new MonitorService(db, clock, registry, scheduler, recorder, async (q) => new Set((await listTopics(q)).map((t) => t.name)));
  const checks = telemetry.counter('tocsin_checks_total', 'Monitor checks run, by result (up, down).');
  const metricService = new MetricService(handle, clock, logger.child({ component: 'metrics' }));
  let alarmsRef: AlarmService | undefined;
  const monitorRunner = new MonitorRunner(db, clock, registry, recorder, maintenance, publisher, logger.child({ component: 'monitors' }), (name, up, latencyMs) => {
    checks.inc({ result: up ? 'up' : 'down' });
    // Check results become datapoints only for monitors an alarm watches: a datapoint costs more than a packed result.
    const dims = { Monitor: name };
    const at = clock.now();
    const data = [];
    if (alarmsRef?.watches('Tocsin/Monitors', 'ResponseTime', dims)) data.push({ namespace: 'Tocsin/Monitors', name: 'ResponseTime', dimensions: dims, unit: 'Milliseconds', at, count: 1, sum: latencyMs, min: latencyMs, max: latencyMs });
    if (alarmsRef?.watches('Tocsin/Monitors', 'Up', dims)) data.push({ namespace: 'Tocsin/Monitors', name: 'Up', dimensions: dims, at, count: 1, sum: up ? 1 : 0, min: up ? 1 : 0, max: up ? 1 : 0 });
    if (data.length) metricService.record(data);
  });
  scheduler.addJob({ name: CHECK_JOB, concurrency: options.checkConcurrency ?? 256, run: (id, dueAt) => monitorRunner.check(id, dueAt) });
  await monitors.load();
  const heartbeatRegistry = new HeartbeatRegistry();
  let heartbeats: HeartbeatService | undefined;
  const pingWriter = new PingWriter(
    db,
    clock,
    heartbeatRegistry,
    publisher,
    (id, at) => heartbeats?.schedule(id, at),
    (name, ms, at) => metricService.record([{ namespace: 'Tocsin/Heartbeats', name: 'RunDuration', dimensions: { Heartbeat: name }, unit: 'Milliseconds', at, count: 1, sum: ms, min: ms, max: ms }]),
  );
  const topicNames = async (q: typeof db) => new Set((await listTopics(q)).map((t) => t.name));
  heartbeats = new HeartbeatService(db, clock, heartbeatRegistry, scheduler, pingWriter, () => settings.publicUrl, topicNames);
  const heartbeatService = heartbeats;
  scheduler.addJob({ name: DEADLINE_JOB, concurrency: 64, run: (id) => heartbeatService.onDeadline(id) });
  await heartbeats.load();
  const pingOptions: PingOptions = { bodyLimit: 100_000, perSecond: 10, ...options.pings };
  const pingHandler = createPingHandler({ registry: heartbeatRegistry, heartbeats: heartbeatService, writer: pingWriter, clock, options: pingOptions });
  const alarms = new AlarmService(db, clock, scheduler, publisher, new DestinationService(clock), (key, statistic, periodMs, end, n) => metricService.periods(key, statistic, periodMs, end, n));
  alarmsRef = alarms;
  scheduler.addJob({ name: EVAL_JOB, concurrency: 16, run: (id) => alarms.evaluateNow(id) });
  await alarms.load();
  const groups = new GroupService(db, monitors);
  await groups.load();
  // Each minute, every group's healthy count becomes a datapoint.
  scheduler.addJob({
    name: 'group-sample',
    concurrency: 1,
    run: async (_key, dueAt) => {
      const sample = groups.sample(dueAt);
      if (sample.length) metricService.record(sample);
      return dueAt + 60_000;
    },
  });
  scheduler.schedule('group-sample', 'all', Math.floor(clock.now() / 60_000) * 60_000 + 60_000);
  // Each minute, raw datapoints about to expire are rolled up per minute.
  scheduler.addJob({ name: 'metric-rollup', concurrency: 1, run: async (_key, dueAt) => (await rollUp(db, clock.now()), dueAt + 60_000) });
  scheduler.schedule('metric-rollup', 'all', Math.floor(clock.now() / 60_000) * 60_000 + 30_000);
  // Indexes ingest-log batches this node did not write (another node's, or from before a restart).
  scheduler.addJob({ name: 'metric-index-sweep', concurrency: 1, run: async (_key, dueAt) => (await metricService.indexer.flush(), dueAt + 5_000) });
  scheduler.schedule('metric-index-sweep', 'all', clock.now() + 1_000);
  const topics = new TopicService(db, clock, wake, [monitorTopicReferrer(monitors), heartbeatTopicReferrer(heartbeats), alarmTopicReferrer(alarms)]);
  const config = new ConfigApplyService(
    db,
    [
      topicConfigSection(topics),
      monitorConfigSection(monitors, topicNames),
      maintenanceConfigSection(maintenance),
      heartbeatConfigSection(heartbeats, topicNames),
      groupConfigSection(groups),
      alarmConfigSection(alarms, topicNames),
    ],
    wake,
  );
  telemetry.gauge('tocsin_monitors', 'Monitors by state.', () => {
    const counts = new Map<string, number>();
    for (const m of monitors.list()) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
    return [...counts].map(([state, value]) => ({ labels: { state }, value }));
  });

  telemetry.gauge('tocsin_deliveries', 'Deliveries in the outbox by status.', async () => {
    const s = await outboxStats(db);
    return Object.entries(s.byStatus).map(([status, value]) => ({ labels: { status }, value }));
  });
  telemetry.gauge('tocsin_outbox_oldest_pending_seconds', 'Age of the oldest delivery not yet sent (0 when none).', async () => {
    const s = await outboxStats(db);
    return [{ value: s.oldestPendingAt === null ? 0 : Math.max(0, (clock.now() - s.oldestPendingAt) / 1000) }];
  });

  const ready = async () => {
    try {
      await sql`select 1`.execute(db);
      return true;
    } catch {
      return false;
    }
  };
  const http = createHttpApp(logger, (app) => {
    registerSystemRoutes(app, tokens, telemetry, ready);
    registerTokenRoutes(app, tokens);
    registerTopicRoutes(app, tokens, topics, publisher);
    registerSubscriptionTestRoutes(app, tokens, new SubscriptionTestService(db, clock, wake));
    registerDeliveryRoutes(app, tokens, deliveries);
    registerConfigRoutes(app, tokens, config);
    registerConfirmRoutes(app, tokens, topics);
    registerMonitorRoutes(app, tokens, monitors, maintenance, () => clock.now());
    registerHeartbeatRoutes(app, tokens, heartbeatService);
    registerPingRoutes(app, pingHandler, logger.child({ component: 'pings' }));
    registerHcApiRoutes(app, { tokens, hc: new HcApiService(db, clock, heartbeatRegistry, heartbeatService, () => topics.list()), heartbeats: heartbeatService, now: () => clock.now(), publicUrl: () => settings.publicUrl });
    registerMetricRoutes(app, tokens, metricService, () => clock.now());
    registerAlarmRoutes(app, tokens, alarms);
  });

  const prune = async () => {
    const now = clock.now();
    const pruned = await pruneOutbox(db, now - DELIVERED_RETENTION_MS, now - DEAD_RETENTION_MS);
    if (pruned.deliveries || pruned.events) logger.info('pruned the outbox', pruned);
    await pruneResults(db, now - RAW_RESULT_RETENTION_MS, now - ROLLUP_RETENTION_MS);
    await prunePings(db, now - PING_RETENTION_MS);
    await pruneDatapoints(db, now - DATAPOINT_RETENTION_MS);
    await pruneRollups(db, now - ROLLUP_RETENTION_MS);
  };
  let tokenFlush: NodeJS.Timeout | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  return {
    settings,
    nodeId,
    handle,
    http,
    telemetry,
    tokens,
    topics,
    publisher,
    deliveries,
    config,
    outbox,
    scheduler,
    monitors,
    monitorRunner,
    maintenance,
    heartbeats,
    pingWriter,
    metricsStore: metricService,
    alarms,
    groups,
    fastPath: pingListener(pingHandler, logger.child({ component: 'pings' })),
    start() {
      outbox.start();
      scheduler.start();
      flushTimer = setInterval(() => monitorRunner.flush().catch((err) => logger.warn('writing monitor results failed', { err })), MONITOR_FLUSH_MS);
      flushTimer.unref();

      tokenFlush = setInterval(() => tokens.flushLastUsed().catch((err) => logger.warn('token last-used update failed', { err })), 10_000);
      tokenFlush.unref();
      pruneTimer = setInterval(() => prune().catch((err) => logger.warn('outbox pruning failed', { err })), 3600_000);
      pruneTimer.unref();
    },
    async close() {
      clearInterval(tokenFlush);
      clearInterval(pruneTimer);
      clearInterval(flushTimer);
      await scheduler.stop();
      await pingWriter.drain();
      await metricService.close();
      await monitorRunner.close().catch((err) => logger.warn('writing monitor results failed', { err }));
      await outbox.stop();
      await tokens.flushLastUsed().catch(() => {});
      await channels.close();
      await closeHttpAgents();
      await handle.close();
    },
  };
}
