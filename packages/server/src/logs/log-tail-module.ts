import type { AppContext, AppModule } from '../app-module.js';
import { PING_EVERY_MS } from '../live/live-module.js';
import type { LogsCore } from './log-pipeline.js';
import { LogTailHub, type LogTailOptions } from './tail/log-tail-hub.js';
import { registerLogTailRoutes } from './tail/log-tail-routes.js';

export interface LogTailModule extends AppModule {
  /** The tails open on this node (tests and the pipeline's status read it). */
  hub: LogTailHub;
}

/**
 * The live tail (`GET /api/logs/tail`): a stage of the log pipeline that matches accepted events against the open
 * tails of this node. In a cluster a tail shows the events its node accepts (docs/logs.md, "Query and tail").
 */
export function logTailModule(
  ctx: AppContext,
  core: LogsCore,
  options: Omit<LogTailOptions, 'telemetry'> = {},
): LogTailModule {
  const hub = new LogTailHub({ telemetry: ctx.telemetry, ...options });
  core.pipeline.addStage(hub);
  return {
    name: 'log-tail',
    hub,
    routes: (app) => registerLogTailRoutes(app, ctx.tokens, hub),
    start() {
      ctx.every({ name: 'log-tail-ping', everyMs: PING_EVERY_MS, everyNode: true, run: async () => hub.ping() });
    },
    endStreams() {
      hub.close();
    },
    async close() {
      hub.close();
    },
  };
}
