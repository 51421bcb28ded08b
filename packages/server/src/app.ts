/**
 * The composition root: the one place where domains meet. It opens the
 * database, builds the shared context and the list of modules, then loops
 * over the list (see `app-module.ts`). Adding a capability is a folder with
 * a module factory and one line in the list below.
 *
 * States: built (loaded, workers stopped) ──start()──▶ running ──close()──▶ closed.
 */
import os from 'node:os';
import { utf8Length } from '@tocsin/protocol';
import { runRetention, type AppContext, type AppModule, type BaseContext, type ModuleFactory } from './app-module.js';
import { archiveModule, type ArchiveModule } from './archive/archive-module.js';
import { createCluster } from './cluster/cluster.js';
import { clusterModule } from './cluster/cluster-module.js';
import { systemClock, type Clock } from './core/clock.js';
import { fleetModule, type FleetModule } from './fleet/fleet-module.js';
import { commandsModule, type CommandPorts, type CommandsModule } from './fleet/commands-module.js';
import type { Logger } from './core/logger.js';
import { Telemetry } from './core/telemetry.js';
import { migrate, openDatabase, type Db } from './db/database.js';
import { nodeIdOf, type Settings } from './config/settings.js';
import type { ConfigApplyService } from './config/config-apply-service.js';
import { configModule } from './config/config-module.js';
import { sourcesModule } from './config/sources/sources-module.js';
import { createHttpApp } from './http/http-app.js';
import { UpgradeRegistry } from './http/http-server.js';
import type { StaticMount } from './http/static-files.js';
import { PublicUrl } from './http/public-url.js';
import type { App } from './http/route-kit.js';
import { systemModule } from './http/system-module.js';
import { uiModule } from './http/ui-module.js';
import type { ChannelRegistry } from './notify/channels/channel-registry.js';
import type { DeliveryService } from './notify/delivery-service.js';
import { notifyModule, topicNamesOf } from './notify/notify-module.js';
import type { OutboxOptions, OutboxWorker } from './notify/outbox-worker.js';
import type { PublishService } from './notify/publish-service.js';
import type { TopicService } from './notify/topic-service.js';
import { topicsModule } from './notify/topics-module.js';
import type { MaintenanceService } from './monitors/maintenance-service.js';
import type { MonitorRunner } from './monitors/monitor-runner.js';
import type { MonitorService } from './monitors/monitor-service.js';
import { monitorsModule } from './monitors/monitors-module.js';
import type { GroupService } from './monitors/group-service.js';
import { groupsModule } from './monitors/groups-module.js';
import { addPeriodicJob } from './scheduler/periodic-job.js';
import { Scheduler } from './scheduler/scheduler.js';
import type { AlarmService } from './alarms/alarm-service.js';
import { alarmsModule } from './alarms/alarms-module.js';
import type { MetricService } from './metrics/metric-service.js';
import { metricsModule } from './metrics/metrics-module.js';
import { hcApiModule } from './heartbeats/hc-api-module.js';
import { promAlertsModule, type PromAlertsModule } from './prom-alerts/prom-alerts-module.js';
import { overviewModule } from './overview/overview-module.js';
import { liveModule } from './live/live-module.js';
import { logModules, type LogModules, type LogModulesOptions } from './logs/log-modules.js';
import type { LogsModule } from './logs/logs-module.js';
import type { LiveHub } from './live/live-hub.js';
import type { HeartbeatService } from './heartbeats/heartbeat-service.js';
import { heartbeatsModule } from './heartbeats/heartbeats-module.js';
import type { PingOptions } from './heartbeats/ping-routes.js';
import type { PingWriter } from './heartbeats/ping-writer.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusPageService } from './status-pages/status-page-service.js';
import { statusPagesModule } from './status-pages/status-pages-module.js';
import type { TokenService } from './tokens/token-service.js';
import { tokensModule } from './tokens/tokens-module.js';
import { usersModule, type UsersModule, type UsersOptions } from './users/users-module.js';

const RETENTION_EVERY_MS = 3600_000;

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
  /** Users and sessions: cheaper hashes, shorter timings (tests). */
  users?: UsersOptions;
  /** Modules added after the built-in ones (a test's, or a capability being tried out). */
  extraModules?: ModuleFactory[];
  /** Log block sizes, tail caps (tests, benches). */
  logs?: LogModulesOptions;
  /** Run-command's link to agents and directory of them, instead of the fleet's (tests with pretend agents). */
  commandPorts?: CommandPorts;
  /** The built UI's directory (packages/web/dist by default). */
  uiDir?: string;
}

export interface Tocsin {
  settings: Settings;
  nodeId: string;
  handle: Db;
  http: App;
  telemetry: Telemetry;
  /** The base of links; the HTTP server resolves it once it listens. */
  publicUrl: PublicUrl;
  modules: readonly AppModule[];
  tokens: TokenService;
  /** Users, sessions, the first-run setup and the sign-in limiter. */
  users: UsersModule;
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
  /** The live stream's fan-out; closed before the HTTP server drains, so that open streams never hold it up. */
  live: LiveHub;
  statusPages: StatusPageService;
  /** Log storage, groups, queries and the pipeline the other log modules plug their stages into. */
  logs: LogsModule;
  /** Every log module (rules, tail, …) beside the storage core. */
  logModules: LogModules;
  /** Archive jobs and their runner. */
  archives: ArchiveModule;
  /** Agents, their hub, enrolment and agent groups. */
  fleet: FleetModule;
  /** Command runs on the fleet: their rollout, delivery through the node holding each agent, verdicts. */
  commands: CommandsModule;
  /** Prometheus alerts in: alert routes and the alerts held by fingerprint. */
  promAlerts: PromAlertsModule;
  /** Answers /ping/ requests straight from node:http (the hot path); false for other requests. */
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** What the modules take over from the HTTP server: upgraded connections and static directories. */
  upgrades: UpgradeRegistry;
  statics: StaticMount[];
  /** Starts background workers. */
  start(): void;
  /** Stops workers and closes the database. */
  close(): Promise<void>;
}

/** The host other nodes and operators are shown: the listen address, or the host name when listening on all. */
function nodeHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return os.hostname();
  return host.includes(':') ? `[${host}]` : host;
}

async function openContext(
  settings: Settings,
  options: TocsinOptions,
  publicUrl: PublicUrl,
): Promise<Omit<BaseContext, 'live'>> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const handle = openDatabase(settings.databaseUrl, {
    schema: options.schema,
    // As long as a lease: a node frozen inside a transaction holds its lease rows' locks no longer than its
    // leases last, and a busy node's slow transaction is not cut short.
    idleInTransactionMs: settings.cluster.leaseTimeoutMs,
  });
  await migrate(handle);
  const telemetry = new Telemetry();
  const nodeId = nodeIdOf(settings);
  const cluster = createCluster(handle, {
    nodeId,
    databaseUrl: settings.databaseUrl,
    schema: options.schema,
    // Each node's own address (the public URL is the load balancer's, the same for all).
    address: () => `${nodeHost(settings.host)}:${publicUrl.listenPort()}`,
    timings: settings.cluster,
    clock,
    logger,
    telemetry,
  });
  const scheduler = new Scheduler(clock, logger.child({ component: 'scheduler' }), telemetry, cluster.ownership);
  cluster.attach(scheduler);
  return {
    handle,
    db: handle.db,
    settings,
    nodeId,
    clock,
    logger,
    scheduler,
    cluster,
    telemetry,
    publicUrl: publicUrl.get,
    every: (job) => addPeriodicJob(scheduler, clock, logger.child({ component: 'scheduler' }), job),
  };
}

export async function createTocsin(settings: Settings, options: TocsinOptions): Promise<Tocsin> {
  const publicUrl = new PublicUrl(settings.publicUrl, settings.port);
  const opened = await openContext(settings, options, publicUrl);
  const live = liveModule(opened);
  const base: BaseContext = { ...opened, live: live.hub };
  const tokens = tokensModule(base);
  const users = usersModule(base, tokens.service, options.users);
  const notify = notifyModule(base, { tokens: tokens.service, channels: options.channels, outbox: options.outbox });
  const metrics = metricsModule(base, tokens.service);
  const ctx: AppContext = {
    ...base,
    tokens: tokens.service,
    publisher: notify.publisher,
    wakeOutbox: notify.wake,
    sink: metrics.sink,
    topicNames: topicNamesOf,
  };
  // The one late-bound seam: alarms start runs (the runCommand action), and run-command is built after the log
  // pipeline, which needs the alarms; it is called only on an alarm's transition, once everything is built.
  const alarms = alarmsModule(ctx, metrics.service, {
    startRun: (body, by) => commands.commands.start(body, by),
  });
  const logs = logModules(ctx, { alarms: alarms.alarms, deadLetters: notify.outbox.deadLetters }, options.logs);
  const archives = archiveModule(ctx, logs.core.archiveSource);
  const fleet = fleetModule(ctx, {
    putMetrics: (body) => metrics.service.put(body),
    // Stored before it resolves: the agent's position is written (and its batch acknowledged) only after.
    ingestLogs: async (_group, events) => {
      const bytes = events.reduce((n, e) => n + utf8Length(e.message), 0);
      logs.core.pipeline.accept(events, { format: 'agent' }, bytes, ctx.clock.now());
      await logs.core.writer.flush(true);
    },
  });
  const commands = commandsModule(ctx, options.commandPorts ?? { link: fleet.hub, directory: fleet.directory });
  // After the fleet: a monitor with locations sends its probe to agents through the fleet's hub.
  const monitors = monitorsModule(ctx, { checkConcurrency: options.checkConcurrency, remote: fleet.prober });
  const heartbeats = heartbeatsModule(ctx, { pings: options.pings });
  const groups = groupsModule(ctx, monitors.monitors);
  const statusPages = statusPagesModule(ctx, {
    monitors: monitors.monitors,
    heartbeats: heartbeats.heartbeats,
    groups: groups.groups,
    maintenance: monitors.maintenance,
  });
  const promAlerts = promAlertsModule(ctx);
  const topics = topicsModule(ctx, [
    monitors.topicReferrer,
    heartbeats.topicReferrer,
    alarms.topicReferrer,
    logs.rules.topicReferrer,
    archives.topicReferrer,
    fleet.topicReferrer,
    promAlerts.topicReferrer,
  ]);

  // Config sections apply, and routes register, in this order; close runs in reverse.
  const modules: AppModule[] = [
    // First, so that it closes last: leases are freed once every other module has written what it holds.
    clusterModule(ctx),
    systemModule(ctx),
    live.module(tokens.service),
    tokens,
    users,
    topics,
    notify,
    metrics,
    monitors,
    heartbeats,
    // Before the Healthchecks API: its catch-all under /api/v2 would answer Alertmanager's /api/v2 paths.
    promAlerts,
    hcApiModule(ctx, heartbeats, () => topics.topics.list()),
    groups,
    statusPages,
    alarms,
    ...logs.modules,
    archives,
    fleet,
    commands,
    overviewModule(ctx.tokens, {
      clock: ctx.clock,
      monitors: monitors.monitors,
      heartbeats: heartbeats.registry,
      alarms: alarms.alarms,
      deliveries: notify.deliveries,
    }),
    uiModule(options.uiDir),
    // Bound late: the config module is built from every module's sections, this one's included.
    sourcesModule(ctx, { apply: (req) => config.config.apply(req), monitors: monitors.monitors }),
    ...(options.extraModules ?? []).map((factory) => factory(ctx)),
  ];
  const config = configModule(
    ctx,
    modules.flatMap((m) => m.configSections ?? []),
  );
  modules.push(config);
  return assemble(ctx, modules, publicUrl, {
    tokens: tokens.service,
    users,
    topics: topics.topics,
    publisher: notify.publisher,
    deliveries: notify.deliveries,
    config: config.config,
    outbox: notify.outbox,
    monitors: monitors.monitors,
    monitorRunner: monitors.runner,
    maintenance: monitors.maintenance,
    heartbeats: heartbeats.heartbeats,
    pingWriter: heartbeats.pingWriter,
    metricsStore: metrics.service,
    alarms: alarms.alarms,
    groups: groups.groups,
    live: live.hub,
    statusPages: statusPages.statusPages,
    logs: logs.core,
    logModules: logs,
    archives,
    fleet,
    commands,
    promAlerts,
    fastPath: heartbeats.fastPath,
  });
}

/** What the composition root takes from the modules it built; the rest of Tocsin is generic. */
type Generic = 'settings' | 'nodeId' | 'handle' | 'http' | 'telemetry' | 'scheduler' | 'publicUrl' | 'modules';
type Services = Omit<Tocsin, Generic | 'upgrades' | 'statics' | 'start' | 'close'>;

/** The generic part: loads the modules, registers their routes, and runs them. */
async function assemble(
  ctx: AppContext,
  modules: AppModule[],
  publicUrl: PublicUrl,
  services: Services,
): Promise<Tocsin> {
  for (const m of modules) await m.load?.();
  // With every module's state in memory: this node's share of the work (on PostgreSQL), its state read again.
  await ctx.cluster.join();
  const http = createHttpApp(ctx.logger, (app) => {
    for (const m of modules) m.routes?.(app);
  });
  const retention = modules.flatMap((m) => m.retention ?? []);
  const upgrades = new UpgradeRegistry();
  for (const m of modules) for (const u of m.upgrades ?? []) upgrades.add(u.prefix, u.handler);
  return {
    settings: ctx.settings,
    nodeId: ctx.nodeId,
    handle: ctx.handle,
    http,
    telemetry: ctx.telemetry,
    scheduler: ctx.scheduler,
    publicUrl,
    modules,
    upgrades,
    // The most specific prefix first: the UI's catch-all at / comes after every other module's directory.
    statics: modules.flatMap((m) => m.statics ?? []).sort((a, b) => b.prefix.length - a.prefix.length),
    ...services,
    start() {
      for (const m of modules) m.start?.();
      const prune = () => runRetention(retention, ctx.clock.now(), ctx.logger);
      ctx.every({ name: 'retention', everyMs: RETENTION_EVERY_MS, run: prune });
      ctx.scheduler.start();
    },
    async close() {
      await ctx.scheduler.stop();
      for (const m of [...modules].reverse()) await m.close?.();
      await ctx.handle.close();
    },
  };
}
