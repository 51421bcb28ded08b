import type { LogEvent } from '@tocsin/protocol';
import { type DropReason, LogPipeline, type LogsCore } from '../log-pipeline.js';

/**
 * A LogsCore whose appender keeps events in memory: what the tail's tests (and a capability tried out without
 * storage) put under the real pipeline. `stored` holds every appended event; `dropped` counts by reason.
 */
export function memoryLogsCore(): LogsCore & {
  stored: LogEvent[];
  dropped: Partial<Record<DropReason, number>>;
  stageErrors: unknown[];
} {
  const stored: LogEvent[] = [];
  const dropped: Partial<Record<DropReason, number>> = {};
  const stageErrors: unknown[] = [];
  const pipeline = new LogPipeline(
    {
      admit: () => ({ ok: true }),
      append: (events) => {
        for (const e of events) stored.push(e);
      },
    },
    {
      ingested: () => {},
      dropped: (reason, n) => {
        dropped[reason] = (dropped[reason] ?? 0) + n;
      },
      stageFailed: (_stage, err) => stageErrors.push(err),
    },
  );
  return { pipeline, groupSpecs: () => [], stored, dropped, stageErrors };
}

/** A stored event with the model's defaults, for tests. */
export function logEvent(fields: Partial<LogEvent> & { message: string }, now = Date.now()): LogEvent {
  return {
    time: now,
    observedTime: now,
    group: 'default',
    level: 0,
    levelText: '',
    attributes: {},
    resource: {},
    ...fields,
  };
}
