/**
 * The event the AWS and syslog decoders produce: the protocol's LogEvent
 * (packages/protocol log-event.ts) with the group optional (the ingest
 * route decides it, ingest/group-routing.ts) and the level as one pair;
 * ingest/shape-event.ts maps it onto a LogEvent. Level numbers come from
 * the protocol's `severityOf`, so every format agrees on them.
 */
import { type LogEvent, severityOf } from '@tocsin/protocol';

export interface LogLevelShape {
  /** OTLP's SeverityNumber (1–24), as `severityOf` gives it for `text`. */
  number: number;
  /** The level as the source wrote it. */
  text: string;
}

export type LogEventShape = Pick<
  LogEvent,
  'time' | 'observedTime' | 'stream' | 'source' | 'message' | 'attributes' | 'resource'
> & {
  group?: string;
  level?: LogLevelShape;
};

/** A line or record a decoder could not take, with what was wrong with it. */
export interface RejectedInput {
  index: number;
  reason: string;
}

/** pino's and bunyan's numeric levels. */
const pinoLevels: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * A level from a word `severityOf` knows (any case: `WARNING`, `err`, `ERROR2`) or a pino/bunyan number; the
 * text is the word as written (trimmed). Undefined when it is neither.
 */
export function levelOf(value: unknown): LogLevelShape | undefined {
  if (typeof value === 'number') {
    const word = pinoLevels[value];
    return word ? { number: severityOf(word), text: word } : undefined;
  }
  if (typeof value !== 'string' || /^\s*\d+\s*$/.test(value)) return undefined;
  const number = severityOf(value);
  return number ? { number, text: value.trim() } : undefined;
}
