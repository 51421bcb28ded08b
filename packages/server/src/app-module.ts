/**
 * The seam every capability plugs into. `app.ts` builds one context and a
 * list of modules; each domain folder exports one factory that takes the
 * context (and, as typed arguments, what it needs from modules built before
 * it) and returns what it contributes. The composition root then loops over
 * the list: config sections and routes in list order, `load` and `start` in
 * list order, `close` in reverse, retention in one hourly job.
 */
import type { Kysely } from 'kysely';
import type { Cluster } from './cluster/cluster.js';
import type { Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import type { Telemetry } from './core/telemetry.js';
import type { Db } from './db/database.js';
import type { Database } from './db/db-schema.js';
import type { LiveEmitter } from './live/live-hub.js';
import type { Settings } from './config/settings.js';
import type { ConfigSection } from './config/config-section.js';
import type { UpgradeHandler } from './http/http-server.js';
import type { App } from './http/route-kit.js';
import type { StaticMount } from './http/static-files.js';
import type { MetricSink } from './metrics/metric-sink.js';
import type { PublishService } from './notify/publish-service.js';
import type { PeriodicJob } from './scheduler/periodic-job.js';
import type { Scheduler } from './scheduler/scheduler.js';
import type { TokenService } from './tokens/token-service.js';

/** What every module can use, built before any module. */
export interface BaseContext {
  handle: Db;
  db: Kysely<Database>;
  settings: Settings;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  scheduler: Scheduler;
  /**
   * Work sharing between nodes (PostgreSQL): the fence that transitions commit through, the bus that tells
   * other nodes of a change, hooks that reload state taken over. On SQLite, one node's.
   */
  cluster: Cluster;
  telemetry: Telemetry;
  /** The base of every link handed out; final once the server listens. */
  publicUrl: () => string;
  /** Adds a periodic job to the scheduler, on the context's clock. */
  every(job: PeriodicJob): void;
  /** The live stream (GET /api/live): `emit` a state change once it has committed. */
  live: LiveEmitter;
}

/** The base plus the seams the first modules (tokens, notify, metrics) provide to the others. */
export interface AppContext extends BaseContext {
  tokens: TokenService;
  publisher: PublishService;
  /** Wakes the outbox worker after a commit that queued deliveries. */
  wakeOutbox: () => void;
  /** Internal datapoints, and the series some alarm watches. */
  sink: MetricSink;
  /** The names of the topics that exist (in `q`, a transaction or the database). */
  topicNames: (q: Kysely<Database>) => Promise<Set<string>>;
}

/** One domain's history that the hourly retention job prunes. */
export interface RetentionTask {
  domain: string;
  prune(now: number): Promise<void>;
}

export interface AppModule {
  name: string;
  configSections?: ConfigSection[];
  routes?(app: App): void;
  retention?: RetentionTask[];
  /** Connections upgraded under a path prefix (WebSocket), handed over by the HTTP server. */
  upgrades?: { prefix: string; handler: UpgradeHandler }[];
  /** Directories the HTTP server serves under a URL prefix (the UI's files). */
  statics?: StaticMount[];
  /** Reads state from the database (after every module is built, in list order). */
  load?(): Promise<void>;
  /** Starts background work (in list order, before the scheduler starts). */
  start?(): void;
  /** Ends its open response streams (server-sent events) at shutdown, before the HTTP server drains. */
  endStreams?(): void;
  /** Stops and flushes (in reverse list order, after the scheduler stopped; before the database closes). */
  close?(): Promise<void>;
}

/** A module built from the context alone: what `createTocsin`'s `extraModules` takes. */
export type ModuleFactory = (ctx: AppContext) => AppModule;

/** Runs every domain's retention; one domain's failure is logged under its name and the others still run. */
export async function runRetention(tasks: readonly RetentionTask[], now: number, logger: Logger): Promise<void> {
  for (const task of tasks) {
    try {
      await task.prune(now);
    } catch (err) {
      logger.warn('retention failed', { domain: task.domain, err });
    }
  }
}
