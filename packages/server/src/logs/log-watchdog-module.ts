import type { AppContext, AppModule } from '../app-module.js';
import type { DeadLetterHooks } from '../notify/dead-letter-hooks.js';
import type { PipelineStatusPart } from './log-pipeline.js';
import { LogWatchdog } from './watchdog/log-watchdog.js';
import { registerPipelineStatusRoutes } from './watchdog/pipeline-status-routes.js';
import { totalsFromParts, type PipelineTotals } from './watchdog/pipeline-totals.js';

export interface LogWatchdogModule extends AppModule {
  watchdog: LogWatchdog;
}

export interface LogWatchdogOptions {
  /** The outbox's dead-letter hooks (`notify.outbox.deadLetters`). */
  deadLetters: Pick<DeadLetterHooks, 'add'>;
  /** The pipeline's cumulative counts; by default read from the `ingest` part. */
  totals?: () => PipelineTotals;
}

/** How often the watchdog reads the counters: a window is at least 10 s, so at most a few checks a window. */
const checkEvery = (windowMs: number): number => Math.min(15_000, Math.max(5_000, Math.floor(windowMs / 4)));

/**
 * The watchdog (its events on the topic of TOCSIN_WATCHDOG_TOPIC) and `GET /api/logs/pipeline`, which shows every
 * part `parts` gives plus the watchdog's own. `parts` is read at each call, so modules built later can add theirs.
 */
export function logWatchdogModule(
  ctx: AppContext,
  parts: () => readonly PipelineStatusPart[],
  options: LogWatchdogOptions,
): LogWatchdogModule {
  const topic = ctx.settings.watchdogTopic;
  const watchdog = new LogWatchdog({
    topic,
    windowMs: ctx.settings.watchdogWindowMs,
    nodeId: ctx.nodeId,
    clock: ctx.clock,
    logger: ctx.logger.child({ component: 'log-watchdog' }),
    totals: options.totals ?? (() => totalsFromParts(parts())),
    async publish(input) {
      if (!(await ctx.topicNames(ctx.db)).has(topic)) return false;
      await ctx.publisher.publish(topic, input);
      return true;
    },
  });
  options.deadLetters.add((d) => watchdog.deadLetter(d));
  // Every node: the counters it reads are this process's.
  ctx.every({
    name: 'log-watchdog',
    everyMs: checkEvery(ctx.settings.watchdogWindowMs),
    everyNode: true,
    run: () => watchdog.check(),
  });
  const allParts = () => [...parts().filter((p) => p.name !== watchdog.name), watchdog];
  return {
    name: 'log-watchdog',
    watchdog,
    routes(app) {
      registerPipelineStatusRoutes(app, ctx.tokens, allParts);
    },
  };
}
