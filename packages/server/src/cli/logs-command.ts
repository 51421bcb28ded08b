import type { LogEvent } from '@tocsin/protocol';
import { parseDuration } from '../core/durations.js';
import { createApiClient } from './api-client.js';
import { type Action, nounCommand, UsageError, type FlagValues } from './command.js';
import { cliIo } from './cli-io.js';
import { sendAction } from './logs-send-command.js';
import { logLine, tailAction } from './logs-tail-command.js';

/** One event of `GET /api/logs/query`'s answer. */
export type QueriedEvent = LogEvent & { id: string };

interface QueryPage {
  events: QueriedEvent[];
  next?: string;
  scanned?: number;
}

/** Events one request asks for; `--limit` beyond it follows the `next` cursors. */
const PAGE = 1000;
const MAX_LIMIT = 1_000_000;

/** A time flag as the API takes it (epoch ms, or an ISO time), or a usage error naming the flag. */
function timeFlag(v: FlagValues, flag: string): string | undefined {
  const text = v[flag];
  if (typeof text !== 'string') return undefined;
  if (/^\d+$/.test(text) || (/^\d{4}-\d\d-\d\d/.test(text) && Number.isFinite(Date.parse(text)))) return text;
  throw new UsageError(`logs query: --${flag} '${text}' is not a time: use an ISO time or epoch milliseconds`);
}

/** The query's time range from --since, or --start and --end. */
function range(v: FlagValues): { start?: string; end?: string } {
  if (typeof v.since === 'string') {
    if (v.start !== undefined || v.end !== undefined)
      throw new UsageError('logs query: give --since, or --start and --end, not both');
    const ms = parseDuration(v.since);
    if (ms === undefined || ms <= 0)
      throw new UsageError(`logs query: --since '${v.since}' is not a duration (such as 15m, 1h or 7d)`);
    const now = Date.now();
    return { start: String(now - ms), end: String(now) };
  }
  return { start: timeFlag(v, 'start'), end: timeFlag(v, 'end') };
}

function limitOf(v: FlagValues): number {
  if (v.limit === undefined) return 100;
  const n = Number(v.limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new UsageError(`logs query: --limit '${v.limit}' is not a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

const query: Action = {
  args: ['GROUP'],
  synopsis: '[--pattern P] [--since DURATION | --start TIME --end TIME] [--limit N] [--order desc|asc] [--json]',
  options: {
    pattern: { type: 'string', short: 'p' },
    since: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    order: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Prints the events of a log group that a CloudWatch filter pattern matches
(every event without --pattern), newest first (--order asc for oldest first),
over the last hour by default, up to --limit (100), following the answer's
pages. Each line is time, level, source and message; --json prints the events
as they are answered, one JSON object a line. For example:
  tocsin logs query checkout --pattern '{ $.status >= 500 }' --since 6h`,
  async run(v, [group]) {
    const { start, end } = range(v);
    const limit = limitOf(v);
    if (v.order !== undefined && v.order !== 'asc' && v.order !== 'desc')
      throw new UsageError(`logs query: --order '${v.order}' is not desc or asc`);
    const api = createApiClient(v);
    const out = cliIo().stdout;
    let printed = 0;
    let cursor: string | undefined;
    do {
      const params = new URLSearchParams({ group, limit: String(Math.min(PAGE, limit - printed)) });
      if (typeof v.pattern === 'string') params.set('pattern', v.pattern);
      if (start !== undefined) params.set('start', start);
      if (end !== undefined) params.set('end', end);
      if (typeof v.order === 'string') params.set('order', v.order);
      if (cursor) params.set('cursor', cursor);
      const page = await api.get<QueryPage>(`/api/logs/query?${params}`);
      const events = page.events.slice(0, limit - printed);
      out.write(events.map((e) => (v.json ? `${JSON.stringify(e)}\n` : logLine(e))).join(''));
      printed += events.length;
      cursor = page.next;
    } while (cursor && printed < limit);
    if (printed === 0 && !v.json) cliIo().stderr.write(`no events in '${group}' matched\n`);
    return 0;
  },
};

export const logsCommand = nounCommand('logs', 'query a log group, tail it live, send lines to it', {
  query,
  tail: tailAction,
  send: sendAction,
});
