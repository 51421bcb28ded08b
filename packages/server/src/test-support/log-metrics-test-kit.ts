/**
 * For the log metrics tests: a whole Tocsin (test-app.ts) with the log
 * metrics module on a real pipeline, a rule catalog the test sets, and an
 * appender that keeps the stored events in memory (storage is another
 * module's; here only what the stages do matters).
 */
import { logRuleInputSchema, type LogEvent, type LogRuleSpec } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import type { Tocsin } from '../app.js';
import type { FakeClock } from '../core/clock.js';
import { createTestApp } from './test-app.js';
import type { TestDatabase } from './test-databases.js';
import { logMetricsModule, type LogMetricsModule } from '../logs/log-metrics-module.js';
import { LogPipeline, type LogAppender, type LogRuleCatalog, type PipelineCounters } from '../logs/log-pipeline.js';

export class TestCatalog implements LogRuleCatalog {
  private rules: LogRuleSpec[] = [];
  private listeners: (() => void)[] = [];
  list(): readonly LogRuleSpec[] {
    return this.rules;
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
  /** Replaces every rule (parsed, so defaults are filled) and tells the listeners. */
  set(rules: unknown[]): void {
    this.rules = rules.map((r) => logRuleInputSchema.parse(r));
    for (const l of this.listeners) l();
  }
}

export class MemoryAppender implements LogAppender {
  readonly events: LogEvent[] = [];
  admit(): { ok: true } {
    return { ok: true };
  }
  append(events: readonly LogEvent[]): void {
    this.events.push(...events);
  }
}

export const stageFailures: { stage: string; err: unknown }[] = [];
const counters: PipelineCounters = {
  ingested: () => {},
  dropped: () => {},
  stageFailed: (stage, err) => stageFailures.push({ stage, err }),
};

/** A log event of the model, with the fields a test does not care about filled. */
export function logEvent(message: string, time: number, more: Partial<LogEvent> = {}): LogEvent {
  return {
    time,
    observedTime: time,
    group: 'app',
    level: 0,
    levelText: '',
    message,
    attributes: {},
    resource: {},
    ...more,
  };
}

export interface LogMetricsApp {
  tocsin: Tocsin;
  pipeline: LogPipeline;
  /** What the pipeline stored. */
  appender: MemoryAppender;
  catalog: TestCatalog;
  module: LogMetricsModule;
  /** Ingests messages (or events) through the pipeline at the clock's time. */
  ingest(lines: (string | LogEvent)[], more?: Partial<LogEvent>): void;
  /** Runs every due job until none starts, then waits for datapoints to be stored and deliveries sent. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createLogMetricsApp(variant: TestDatabase['name'], clock: FakeClock): Promise<LogMetricsApp> {
  let ctx: AppContext | undefined;
  const { tocsin, dispose } = await createTestApp(variant, {
    clock,
    extraModules: [
      (c) => {
        ctx = c;
        return { name: 'capture' };
      },
    ],
  });
  const appender = new MemoryAppender();
  const pipeline = new LogPipeline(appender, counters);
  const catalog = new TestCatalog();
  const module = logMetricsModule(ctx!, { pipeline, groupSpecs: () => [] }, catalog, tocsin.alarms);
  return {
    tocsin,
    pipeline,
    appender,
    catalog,
    module,
    ingest(lines, more = {}) {
      const now = clock.now();
      const events = lines.map((l) => (typeof l === 'string' ? logEvent(l, now, more) : l));
      pipeline.accept(events, { format: 'test' }, 100 * events.length, now);
    },
    async settle() {
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
      await tocsin.metricsStore.drain();
      await tocsin.outbox.runOnce();
    },
    async dispose() {
      await module.close?.();
      await dispose();
    },
  };
}
