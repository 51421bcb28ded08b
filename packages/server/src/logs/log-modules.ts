/**
 * The log pipeline's modules, in the order they plug into each other: storage (the pipeline's spine), ingest,
 * rules (routes), metric filters with embedded metrics and log alarms, the live tail, and the watchdog that reads
 * every module's status part. `app.ts` lists them as one entry; the rules' topic referrer goes to the topics module
 * (a topic a route names cannot be deleted).
 */
import type { AppContext, AppModule } from '../app-module.js';
import type { AlarmService } from '../alarms/alarm-service.js';
import type { DeadLetterHooks } from '../notify/dead-letter-hooks.js';
import { logIngestModule } from './log-ingest-module.js';
import { logMetricsModule } from './log-metrics-module.js';
import type { PipelineStatusPart } from './log-pipeline.js';
import { logRulesModule, type LogRulesModule } from './log-rules-module.js';
import { logTailModule, type LogTailModule } from './log-tail-module.js';
import { logWatchdogModule } from './log-watchdog-module.js';
import { logsModule, type LogsModule, type LogsOptions } from './logs-module.js';

export interface LogModulesOptions extends LogsOptions {
  tail?: Parameters<typeof logTailModule>[2];
}

export interface LogModules {
  core: LogsModule;
  rules: LogRulesModule;
  tail: LogTailModule;
  /** Every log module, storage first (it closes last: what the others queued is flushed). */
  modules: AppModule[];
  /** Every module's part of `GET /api/logs/pipeline`. */
  statusParts: () => readonly PipelineStatusPart[];
}

export function logModules(
  ctx: AppContext,
  deps: { alarms: AlarmService; deadLetters: DeadLetterHooks },
  options: LogModulesOptions = {},
): LogModules {
  const core = logsModule(ctx, options);
  const ingest = logIngestModule(ctx, core);
  const rules = logRulesModule(ctx, core);
  const metrics = logMetricsModule(ctx, core, rules.catalog, deps.alarms);
  const tail = logTailModule(ctx, core, options.tail);
  const parts = [...core.statusParts, ...ingest.statusParts, rules.statusPart, ...metrics.statusParts];
  const watchdog = logWatchdogModule(ctx, () => parts, { deadLetters: deps.deadLetters });
  return {
    core,
    rules,
    tail,
    modules: [core, ingest, rules, metrics, tail, watchdog],
    statusParts: () => [...parts, watchdog.watchdog],
  };
}
