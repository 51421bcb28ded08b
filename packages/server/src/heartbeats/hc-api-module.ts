import type { AppContext, AppModule } from '../app-module.js';
import { registerHcApiRoutes } from './hc-api-routes.js';
import { HcApiService, type TopicLister } from './hc-api-service.js';
import type { HeartbeatsModule } from './heartbeats-module.js';

/** The Healthchecks.io-compatible management API over heartbeats; it lists topics, so it is built after them. */
export function hcApiModule(ctx: AppContext, heartbeats: HeartbeatsModule, topics: TopicLister): AppModule {
  const hc = new HcApiService(ctx.db, ctx.clock, heartbeats.registry, heartbeats.heartbeats, topics);
  return {
    name: 'hc-api',
    routes: (app) =>
      registerHcApiRoutes(app, {
        tokens: ctx.tokens,
        hc,
        heartbeats: heartbeats.heartbeats,
        now: () => ctx.clock.now(),
        publicUrl: ctx.publicUrl,
      }),
  };
}
