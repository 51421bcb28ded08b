import type { AppContext, AppModule } from '../app-module.js';
import { ConfigApplyService } from './config-apply-service.js';
import { registerConfigRoutes } from './config-routes.js';
import type { ConfigSection } from './config-section.js';

export interface ConfigModule extends AppModule {
  config: ConfigApplyService;
}

/** Config as code over the sections the other modules contribute, in the order given (that of apply and export). */
export function configModule(ctx: AppContext, sections: ConfigSection[]): ConfigModule {
  // After an apply commits: queued deliveries go out, and every open page refetches (one resync, not a change
  // per resource; the services tell the live stream nothing of writes inside the apply's transaction).
  const config = new ConfigApplyService(ctx.db, sections, () => {
    ctx.wakeOutbox();
    ctx.live.resync();
  });
  return {
    name: 'config',
    config,
    routes: (app) => registerConfigRoutes(app, ctx.tokens, config),
  };
}
