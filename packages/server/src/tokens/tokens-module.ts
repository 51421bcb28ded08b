import type { AppModule, BaseContext } from '../app-module.js';
import { registerTokenRoutes } from './token-routes.js';
import { TokenService } from './token-service.js';

/** How often the last-used times of tokens, kept in memory, are written. */
const LAST_USED_FLUSH_MS = 10_000;

export interface TokensModule extends AppModule {
  service: TokenService;
}

/** API tokens: the service every route authenticates with, its routes, and the last-used flush. */
export function tokensModule(ctx: BaseContext): TokensModule {
  const service = new TokenService(ctx.db, ctx.clock, ctx.settings.adminToken);
  return {
    name: 'tokens',
    service,
    routes: (app) => registerTokenRoutes(app, service),
    start() {
      ctx.every({
        name: 'token-last-used-flush',
        everyMs: LAST_USED_FLUSH_MS,
        everyNode: true,
        run: () => service.flushLastUsed(),
      });
    },
    async close() {
      await service.flushLastUsed().catch((err) => ctx.logger.warn('token last-used update failed', { err }));
    },
  };
}
