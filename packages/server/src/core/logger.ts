/**
 * Structured logs on pino: one JSON object a line on stderr, `time` in ISO
 * 8601 and `level` as its name. An Error under `err` or under any other field
 * is written with its type, message, stack and cause; fields named for secrets
 * are written as `<redacted>` (see `redactPaths`), so a secret that reaches a
 * log by mistake still stays out of it.
 */
import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { REDACTED } from '@tocsin/protocol';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Field names that hold credentials: HTTP credential headers, API tokens,
 * passwords, the subscription fields that `secretFields` keeps out of the API
 * (a Slack endpoint is the webhook's secret, a webhook's `headers` and
 * `secret`, PagerDuty's `routingKey`, Datadog's `apiKey`) and the settings
 * whose URL may carry a password. `input` is where an invalid URL's error
 * keeps the URL it was given.
 */
const SECRET_FIELDS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'dd-api-key',
  'token',
  'adminToken',
  'accessToken',
  'password',
  'secret',
  'apiKey',
  'routingKey',
  'routing_key',
  'endpoint',
  'webhookUrl',
  'headers',
  'smtpUrl',
  'databaseUrl',
  'input',
];

/** Each secret field at the top of a log line and up to two objects down (`err.options.headers`). */
export const redactPaths = SECRET_FIELDS.flatMap((name) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
  const below = key.startsWith('[') ? key : `.${key}`;
  return [key, `*${below}`, `*.*${below}`];
});

/** Writes an Error-valued field as pino writes `err`: type, message, stack, cause and own fields. */
function serializeErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (key !== 'err' && value instanceof Error) {
      out ??= { ...fields };
      out[key] = stdSerializers.err(value);
    }
  }
  return out ?? fields;
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (fields) => wrap(p.child(fields)),
  };
}

/**
 * A logger at `level` (the `logLevel` setting) whose every line carries `base`.
 * Lines go to stderr, written synchronously so none is lost at exit; `write`,
 * for tests, receives each line without its newline instead.
 */
export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination: DestinationStream = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 2, sync: true });
  const p = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: serializeErrorFields },
      redact: { paths: redactPaths, censor: REDACTED },
    },
    destination,
  );
  return wrap(p);
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
