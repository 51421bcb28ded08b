import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext, AppModule } from '../app-module.js';
import type { LiveChange } from '../live/live-hub.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { recordRunDuration } from './heartbeat-datapoints.js';
import { heartbeatConfigSection, heartbeatTopicReferrer } from './heartbeat-config.js';
import { HeartbeatRegistry } from './heartbeat-registry.js';
import { registerHeartbeatRoutes } from './heartbeat-routes.js';
import { DEADLINE_JOB, HeartbeatService, deadlineScheduler } from './heartbeat-service.js';
import { prunePings } from './heartbeat-store.js';
import { createPingHandler, pingListener, registerPingRoutes, type PingOptions } from './ping-routes.js';
import { HeartbeatSync } from './heartbeat-sync.js';
import { PingWriter, STATE_TOPIC } from './ping-writer.js';

export interface HeartbeatsModule extends AppModule {
  heartbeats: HeartbeatService;
  registry: HeartbeatRegistry;
  pingWriter: PingWriter;
  topicReferrer: TopicReferrer;
  /** Answers /ping/ requests straight from node:http (the hot path); false for other requests. */
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Heartbeats: ping endpoints (routed and the fast path), the ping writer and deadlines. */
export function heartbeatsModule(ctx: AppContext, options: { pings?: Partial<PingOptions> } = {}): HeartbeatsModule {
  const { db, clock, scheduler, settings } = ctx;
  const registry = new HeartbeatRegistry();
  const onRun = (name: string, ms: number, at: number) => recordRunDuration(ctx.sink, name, ms, at);
  const { fence, changes, mode } = ctx.cluster;
  const shared = mode === 'cluster' ? { fence, changes } : undefined;
  const schedule = deadlineScheduler(scheduler);
  const emit = (change: LiveChange) => ctx.live.emit(change);
  const pingWriter = new PingWriter(db, clock, registry, ctx.publisher, schedule, onRun, shared, emit);
  const heartbeats = new HeartbeatService(
    db,
    clock,
    registry,
    scheduler,
    pingWriter,
    ctx.publicUrl,
    ctx.topicNames,
    fence,
    (q, ids) => changes.publish(q, 'heartbeats', ids),
    shared !== undefined,
    emit,
  );
  const sync = new HeartbeatSync(db, registry, schedule);
  changes.on('heartbeats', { changed: (ids) => sync.changed(ids), resync: () => sync.resync() });
  // Pings and deadlines on other nodes: read back as any change (the resync above covers missed ones).
  changes.on(STATE_TOPIC, { changed: (ids) => sync.changed(ids), resync: () => {} });
  ctx.cluster.onGain((gained) => sync.gained(gained));
  scheduler.addJob({ name: DEADLINE_JOB, concurrency: 64, run: (id) => heartbeats.onDeadline(id) });
  const pingOptions: PingOptions = { bodyLimit: 100_000, perSecond: 10, ...options.pings };
  const pingHandler = createPingHandler({ registry, heartbeats, writer: pingWriter, clock, options: pingOptions });
  const pingLogger = ctx.logger.child({ component: 'pings' });
  return {
    name: 'heartbeats',
    heartbeats,
    registry,
    pingWriter,
    topicReferrer: heartbeatTopicReferrer(heartbeats),
    fastPath: pingListener(pingHandler, pingLogger),
    configSections: [heartbeatConfigSection(heartbeats, ctx.topicNames)],
    routes(app) {
      registerHeartbeatRoutes(app, ctx.tokens, heartbeats);
      registerPingRoutes(app, pingHandler, pingLogger);
    },
    retention: [{ domain: 'pings', prune: (now) => prunePings(db, now - settings.retention.pings).then(() => {}) }],
    load: () => heartbeats.load(),
    close: () => pingWriter.drain(),
  };
}
