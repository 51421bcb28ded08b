import type { LogEvent } from '@tocsin/protocol';

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
