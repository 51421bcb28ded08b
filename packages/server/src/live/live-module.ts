import type { AppModule, BaseContext } from '../app-module.js';
import type { TokenService } from '../tokens/token-service.js';
import { LiveHub } from './live-hub.js';
import { registerLiveRoutes } from './live-routes.js';

/** The change-bus topic of live changes; each id is one change's JSON. */
export const LIVE_TOPIC = 'live';
export const PING_EVERY_MS = 15_000;

export interface LiveModule {
  hub: LiveHub;
  /** The module, once the tokens exist (the route's auth needs them). */
  module(tokens: TokenService): AppModule;
}

/**
 * The live stream: built before the other modules (they emit into `ctx.live`), its route registered with theirs.
 * In a cluster, changes travel on the change bus after their commit.
 */
export function liveModule(ctx: Omit<BaseContext, 'live'>): LiveModule {
  const { changes } = ctx.cluster;
  const hub = new LiveHub({
    logger: ctx.logger.child({ component: 'live' }),
    telemetry: ctx.telemetry,
    announce: ctx.cluster.mode === 'cluster' ? (batch) => changes.publish(ctx.db, LIVE_TOPIC, batch) : undefined,
  });
  changes.on(LIVE_TOPIC, { changed: (batch) => hub.receive(batch), resync: () => hub.resyncHere() });
  return {
    hub,
    module: (tokens) => ({
      name: 'live',
      routes: (app) => registerLiveRoutes(app, tokens, hub, () => ctx.clock.now()),
      start() {
        ctx.every({ name: 'live-ping', everyMs: PING_EVERY_MS, everyNode: true, run: async () => hub.ping() });
      },
      async close() {
        hub.close();
      },
    }),
  };
}
