import type { AppModule } from '../app-module.js';
import type { TokenService } from '../tokens/token-service.js';
import { registerOverviewRoutes } from './overview-routes.js';
import { OverviewService, type OverviewSources } from './overview-service.js';

/** GET /api/overview: read from the domains it is given (their services and memory), never their stores. */
export function overviewModule(
  tokens: TokenService,
  sources: OverviewSources,
): AppModule & { overview: OverviewService } {
  const overview = new OverviewService(sources);
  return { name: 'overview', overview, routes: (app) => registerOverviewRoutes(app, tokens, overview) };
}
