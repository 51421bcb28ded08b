import { type LogEvent, severityName } from '@tocsin/protocol';
import { createApiClient } from './api-client.js';
import type { Action, FlagValues } from './command.js';
import { TocsinError } from '../core/errors.js';
import { cliIo } from './cli-io.js';

/** One line of `tocsin logs query` and `tocsin logs tail`: time, level, source, message. */
export function logLine(e: LogEvent): string {
  const level = e.levelText || severityName(e.level) || '-';
  return `${new Date(e.time).toISOString()}  ${level.padEnd(5)}  ${e.source ?? '-'}  ${e.message.trimEnd()}\n`;
}

/** One message of an event stream: its `event` name and `data` (comments and pings give none). */
export interface StreamMessage {
  event: string;
  data: string;
}

/** Splits event-stream text into whole messages; returns the unfinished rest to prepend to the next chunk. */
export function splitMessages(text: string, out: StreamMessage[]): string {
  let start = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of text.slice(start, end).split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    if (data.length) out.push({ event, data: data.join('\n') });
    start = end + 2;
  }
  return text.slice(start);
}

export const tailAction: Action = {
  optional: ['GROUP'],
  synopsis: '[--pattern P] [--source S] [--level LEVEL] [--json]',
  options: {
    pattern: { type: 'string', short: 'p' },
    source: { type: 'string' },
    level: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Prints log events as they are accepted, from now on, until Ctrl-C: those of
GROUP (every group without it) that a CloudWatch filter pattern matches, of
one --source, at --level or above (warn, error, or a number 1–24). When this
terminal falls behind, the server leaves matches out and the count is printed
on stderr. --json prints each event as one JSON object a line. For example:
  tocsin logs tail checkout --pattern '?timeout ?refused' --level warn`,
  async run(v, [group]) {
    const params = new URLSearchParams();
    if (group !== undefined) params.set('group', group);
    for (const flag of ['pattern', 'source', 'level'] as const)
      if (typeof v[flag] === 'string') params.set(flag, v[flag] as string);
    const stop = new AbortController();
    let stopped = false;
    const onSignal = () => {
      stopped = true;
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await follow(v, params, stop.signal, () => stopped);
    } catch (err) {
      if (stopped) return 0;
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

async function follow(v: FlagValues, params: URLSearchParams, signal: AbortSignal, stopped: () => boolean) {
  const io = cliIo();
  const res = await createApiClient(v).stream(`/api/logs/tail?${params}`, signal);
  const decoder = new TextDecoder();
  let rest = '';
  const messages: StreamMessage[] = [];
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      rest = splitMessages(rest + decoder.decode(chunk, { stream: true }), messages);
      let text = '';
      for (const m of messages) {
        if (m.event === 'log') text += v.json ? `${m.data}\n` : logLine(JSON.parse(m.data) as LogEvent);
        else if (m.event === 'dropped') {
          const { count } = JSON.parse(m.data) as { count: number };
          io.stderr.write(`tocsin: ${count} matching events left out: this terminal fell behind\n`);
        }
      }
      messages.length = 0;
      if (text) io.stdout.write(text);
    }
  } catch (err) {
    if (stopped()) return 0;
    throw new TocsinError('unavailable', `the connection to the server broke (${(err as Error).message}): run again`);
  }
  if (stopped()) return 0;
  io.stderr.write('tocsin: the server ended the tail (is it shutting down?): run the command again\n');
  return 1;
}
