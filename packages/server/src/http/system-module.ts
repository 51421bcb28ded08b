import type { AppContext, AppModule } from '../app-module.js';
import { databaseAnswers } from '../db/database.js';
import { registerSystemRoutes } from './system-routes.js';

/** The home page, health and readiness, and Tocsin's own telemetry. */
export function systemModule(ctx: AppContext): AppModule {
  return {
    name: 'system',
    routes: (app) => registerSystemRoutes(app, ctx.tokens, ctx.telemetry, () => databaseAnswers(ctx.handle)),
  };
}
