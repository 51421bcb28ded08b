import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { logEventInputSchema, logGroupNameSchema } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { type ApiClient, createApiClient } from './api-client.js';
import { type Action, UsageError } from './command.js';
import { cliIo } from './cli-io.js';

/** A batch is sent once it holds this many lines or bytes (well under the ingest body cap). */
export const SEND_BATCH_LINES = 5000;
export const SEND_BATCH_BYTES = 1024 * 1024;
/** Tries of one batch the server answers 429 or 503, waiting its Retry-After (at most 30 s) between them. */
const TRIES = 6;

const modelKeys = new Set(Object.keys(logEventInputSchema.shape));

/**
 * The NDJSON line of an input line: a JSON object in Tocsin's model (a string `message`, only the model's keys)
 * goes as it is; any other line (plain text, another program's JSON) is the message of an event.
 */
export function eventLine(line: string): string {
  if (line.charCodeAt(0) === 123) {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (typeof o.message === 'string' && Object.keys(o).every((k) => modelKeys.has(k))) return line;
    } catch {
      // Not JSON after all: a line of text.
    }
  }
  return JSON.stringify({ message: line });
}

interface SendAnswer {
  accepted?: number;
  rejected?: { index: number; line?: number; reason: string }[];
  dropped?: Record<string, number>;
}

interface Totals {
  lines: number;
  accepted: number;
  rejected: number;
  dropped: number;
}

/** Posts one batch; waits and tries again while the server says it is busy (429, 503). */
async function post(api: ApiClient, body: string, headers: Record<string, string>): Promise<SendAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await api.send<SendAnswer>('POST', '/api/logs', body, headers)) ?? {};
    } catch (err) {
      const busy = err instanceof TocsinError && (err.code === 'rate_limited' || err.code === 'unavailable');
      const retry = (err as TocsinError).details as { retryAfterSeconds?: number } | undefined;
      if (!busy || attempt >= TRIES || retry?.retryAfterSeconds === undefined) throw err;
      const seconds = Math.min(30, Math.max(0.1, retry.retryAfterSeconds));
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

/** The group and input of `send [GROUP] [FILE|-]`: one argument is the file when it is `-` or names a file. */
function argsOf(args: string[], cwd: string): { group?: string; file?: string } {
  let [group, file] = args as (string | undefined)[];
  if (args.length === 1 && (group === '-' || existsSync(path.resolve(cwd, group as string)))) {
    file = group;
    group = undefined;
  }
  if (group !== undefined && !logGroupNameSchema.safeParse(group).success)
    throw new UsageError(`logs send: '${group}' is not a log group name (letters, digits and _ . - / #)`);
  if (file !== undefined && file !== '') {
    const full = path.resolve(cwd, file);
    if (file !== '-' && (!existsSync(full) || !statSync(full).isFile()))
      throw new UsageError(`logs send: '${file}' is not a file`);
  }
  return { group, file: file === '-' ? undefined : file && path.resolve(cwd, file) };
}

export const sendAction: Action = {
  optional: ['GROUP', 'FILE|-'],
  help: `Sends lines to POST /api/logs, from FILE or from standard input ('-', or no
FILE), in batches of ${SEND_BATCH_LINES} lines or 1 MiB, into GROUP (else the
server's default group; an event's own "group" wins). A line that is a JSON
object of Tocsin's model (docs/logs.md) is sent as it is; any other line,
JSON or not, becomes an event's message. Blank lines are skipped. When the
server is busy (429, 503) a batch waits for its Retry-After and is sent again.
With one argument, it is the file when it is '-' or names a file. For example:
  tail -F /var/log/app.log | tocsin logs send app`,
  async run(v, args) {
    const io = cliIo();
    const { group, file } = argsOf(args, io.cwd);
    const api = createApiClient(v);
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (group) headers['x-tocsin-log-group'] = group;
    const input = file ? createReadStream(file) : (io.stdin ?? process.stdin);
    const totals: Totals = { lines: 0, accepted: 0, rejected: 0, dropped: 0 };
    let batch: string[] = [];
    let numbers: number[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const answer = await post(api, `${batch.join('\n')}\n`, headers);
      const listed = answer.rejected ?? [];
      const { invalid = listed.length, ...others } = answer.dropped ?? {};
      totals.accepted += answer.accepted ?? 0;
      totals.dropped += Object.values(others).reduce((a, b) => a + b, 0);
      for (const [i, r] of listed.entries())
        if (totals.rejected + i < 10)
          io.stderr.write(`tocsin: line ${numbers[r.line ? r.line - 1 : r.index] ?? '?'} rejected: ${r.reason}\n`);
      totals.rejected += Math.max(invalid, listed.length);
      batch = [];
      numbers = [];
      bytes = 0;
    };
    let n = 0;
    for await (const raw of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      n++;
      if (raw.trim() === '') continue;
      const line = eventLine(raw);
      batch.push(line);
      numbers.push(n);
      bytes += line.length + 1;
      totals.lines++;
      if (batch.length >= SEND_BATCH_LINES || bytes >= SEND_BATCH_BYTES) await flush();
    }
    await flush();
    const to = group ? ` to '${group}'` : '';
    const notes = [
      totals.rejected ? `${totals.rejected} rejected` : '',
      totals.dropped > 0 ? `${totals.dropped} dropped` : '',
    ].filter(Boolean);
    io.stdout.write(
      `sent ${totals.lines} lines${to}: ${totals.accepted} accepted${notes.map((x) => `, ${x}`).join('')}\n`,
    );
    return totals.accepted === totals.lines ? 0 : 1;
  },
};
