/**
 * The plain event these decoders produce: the shape of the log event model
 * (packages/protocol's LogEvent, written beside this) so the wiring can
 * validate and store it unchanged. Times are epoch milliseconds; the level
 * number is OTLP's SeverityNumber (1–24).
 */
export interface LogLevelShape {
  number: number;
  text: string;
}

export interface LogEventShape {
  time: number;
  observedTime: number;
  group?: string;
  stream?: string;
  source?: string;
  level?: LogLevelShape;
  message: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** A line or record a decoder could not take, with what was wrong with it. */
export interface RejectedInput {
  index: number;
  reason: string;
}

/** OTLP's SeverityNumber for the usual level words (the data model's mapping table). */
const levelWords: Record<string, LogLevelShape> = {
  trace: { number: 1, text: 'trace' },
  debug: { number: 5, text: 'debug' },
  info: { number: 9, text: 'info' },
  information: { number: 9, text: 'info' },
  informational: { number: 9, text: 'info' },
  notice: { number: 10, text: 'notice' },
  warn: { number: 13, text: 'warn' },
  warning: { number: 13, text: 'warn' },
  error: { number: 17, text: 'error' },
  err: { number: 17, text: 'error' },
  critical: { number: 18, text: 'critical' },
  crit: { number: 18, text: 'critical' },
  alert: { number: 19, text: 'alert' },
  fatal: { number: 21, text: 'fatal' },
  emergency: { number: 21, text: 'emergency' },
  emerg: { number: 21, text: 'emergency' },
  panic: { number: 21, text: 'emergency' },
};

/** pino's and bunyan's numeric levels. */
const pinoLevels: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** A level from a word (any case) or a pino/bunyan number; undefined when it is neither. */
export function levelOf(value: unknown): LogLevelShape | undefined {
  if (typeof value === 'number') return pinoLevels[value] ? levelWords[pinoLevels[value]] : undefined;
  if (typeof value !== 'string') return undefined;
  return Object.hasOwn(levelWords, value.toLowerCase()) ? levelWords[value.toLowerCase()] : undefined;
}
