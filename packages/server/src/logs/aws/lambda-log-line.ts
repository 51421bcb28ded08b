/**
 * What a CloudWatch Logs message says about itself, for the lines Lambda and
 * the usual loggers write:
 *
 * - JSON lines (Lambda's JSON log format, pino, bunyan, structlog, Powertools):
 *   the level from `level`, `levelname`, `severity`, `log.level` or
 *   `logLevel` (a word or a pino number), the request id from `requestId`
 *   or `AWSRequestId`.
 * - Lambda's text format, Node.js (`<ISO time>\t<request id>\tINFO\t<text>`)
 *   and Python (`[ERROR]\t<ISO time>\t<request id>\t<text>`); a leading
 *   `[ERROR] ` (any level word in brackets) gives the level alone.
 * - Lambda's platform lines: `START RequestId: <id> …`, `END RequestId: <id>`,
 *   `REPORT RequestId: <id>\tDuration: …` (level info) and the timeout line
 *   `<ISO time> <id> Task timed out after 3.00 seconds` (level error).
 *
 * Anything else has no level; the message is never changed here.
 */
import { type LogLevelShape, levelOf } from './log-event-shape.js';

export interface LineFacts {
  level?: LogLevelShape;
  requestId?: string;
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z';
const nodeText = new RegExp(`^${ISO}\\t(${UUID})\\t([A-Z]+)\\t`);
const pythonText = new RegExp(`^\\[([A-Z]+)\\]\\t${ISO}\\t(${UUID})\\t`);
/** `[ERROR] text`, as many loggers (and AWS's sample events) write. */
const bracketed = /^\[([A-Za-z]+)\][ \t]/;
const platform = new RegExp(`^(?:START|END|REPORT|INIT_REPORT|RESTORE_REPORT) RequestId: (${UUID})`);
const timedOut = new RegExp(`^${ISO}[ \\t](${UUID})[ \\t]Task timed out after `);

const jsonLevelKeys = ['level', 'levelname', 'severity', 'log.level', 'logLevel'] as const;
const INFO = levelOf('info');
const ERROR = levelOf('error');

/** Level and request id of one CloudWatch Logs message (see the file comment). */
export function lambdaLineFacts(message: string): LineFacts {
  const first = message.charCodeAt(0);
  if (first === 0x7b /* { */) return jsonFacts(message);
  let m = nodeText.exec(message);
  if (m) return { requestId: m[1], level: levelOf(m[2]) };
  m = pythonText.exec(message);
  if (m) return { requestId: m[2], level: levelOf(m[1]) };
  m = bracketed.exec(message);
  if (m && levelOf(m[1])) return { level: levelOf(m[1]) };
  m = platform.exec(message);
  if (m) return { requestId: m[1], level: INFO };
  m = timedOut.exec(message);
  if (m) return { requestId: m[1], level: ERROR };
  return {};
}

function jsonFacts(message: string): LineFacts {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const record = value as Record<string, unknown>;
  const facts: LineFacts = {};
  for (const key of jsonLevelKeys) {
    const level = levelOf(record[key]);
    if (level) {
      facts.level = level;
      break;
    }
  }
  const id = record.requestId ?? record.AWSRequestId;
  if (typeof id === 'string' && id !== '') facts.requestId = id;
  return facts;
}
