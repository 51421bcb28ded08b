/**
 * `POST /api/logs`: events of Tocsin's model (`logEventInputSchema`), one
 * JSON object a line (NDJSON; blank lines and a `\r` before the `\n` are
 * allowed), or one JSON array of them (a body whose first non-blank character
 * is `[`). A bad line or element is rejected with its position (and line);
 * the others are kept. A JSON array that does not parse is a bad body.
 * The common shape takes a hand-written fast path (tocsin-ndjson-fast-path.ts), the rest zod.
 */
import { DEFAULT_LOG_GROUP, logEventFromInput, logEventInputSchema } from '@tocsin/protocol';
import {
  badBody,
  bodyText,
  DecodeCollector,
  type DecodeContext,
  type DecodeResult,
  GROUP_HEADER,
  headerOf,
  type LogDecoder,
  type LogHeaders,
} from './log-decoder.js';
import { fastLogEvent } from './tocsin-ndjson-fast-path.js';

const FORMAT = 'tocsin-ndjson';

interface Defaults {
  now: number;
  group: string;
}

/** The first validation issue of a value, as `path: message` (the path omitted at the top). */
function firstIssue(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const [issue] = issues;
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function take(out: DecodeCollector, value: unknown, defaults: Defaults, index: number, line?: number): void {
  const fast = fastLogEvent(value, defaults);
  if (fast) {
    out.take(fast, index, line);
    return;
  }
  const parsed = logEventInputSchema.safeParse(value);
  if (!parsed.success) {
    out.reject(index, firstIssue(parsed.error.issues), line);
    return;
  }
  const event = logEventFromInput(parsed.data, defaults);
  if (Number.isNaN(event.time)) {
    out.reject(index, 'time: not a valid time', line);
    return;
  }
  out.take(event, index, line);
}

function decodeArray(text: string, defaults: Defaults, out: DecodeCollector): void {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    throw badBody(FORMAT, `a JSON array that does not parse (${(err as Error).message})`);
  }
  if (!Array.isArray(values)) throw badBody(FORMAT, 'neither a JSON array nor NDJSON');
  values.forEach((v, i) => {
    take(out, v, defaults, i);
  });
}

/** Whether text[from, to) is only white space, without slicing it (most lines are not: the first char says so). */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 0xa0 && c !== 0xfeff) return false;
  }
  return true;
}

function decodeLines(text: string, defaults: Defaults, out: DecodeCollector): void {
  let start = 0;
  for (let i = 0; start <= text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const first = start;
    start = end + 1;
    if (isBlank(text, first, stop)) continue;
    const line = text.slice(first, stop);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      out.reject(i, `invalid JSON (${(err as Error).message})`, i + 1);
      continue;
    }
    take(out, value, defaults, i, i + 1);
  }
}

export const tocsinNdjsonDecoder: LogDecoder = {
  format: FORMAT,
  decode(body: Buffer | string, headers: LogHeaders, context: DecodeContext): DecodeResult {
    const text = bodyText(body);
    const defaults = { now: context.now, group: headerOf(headers, GROUP_HEADER) ?? DEFAULT_LOG_GROUP };
    const out = new DecodeCollector();
    if (/^\s*\[/.test(text)) decodeArray(text, defaults, out);
    else decodeLines(text, defaults, out);
    return out.result();
  },
};
