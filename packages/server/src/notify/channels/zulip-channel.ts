import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse, jsonObjectOf } from './http-sender.js';
import { clockTime } from '../digest.js';
import { fitLines, headline, severityText } from './message-lines.js';
import {
  attributesText,
  escapeMarkdown,
  eventLook,
  eventTimeIso,
  sourceLabel,
  truncate,
  truncateBytes,
} from './message-format.js';

// Zulip's limits (zulip.com/api/send-message; the server's max_topic_length and max_message_length):
// a topic of at most 60 characters, content of at most 10,000 bytes.
export const ZULIP_TOPIC_MAX = 60;
export const ZULIP_CONTENT_MAX_BYTES = 10000;
// Zulip's default API rate limit is 200 requests a minute per user (zulip.com/api/http-headers, rate-limit headers):
// the bot's messages to all its channels share it.
const ZULIP_RATE_PER_SECOND = 3;
/** Bytes of each part of a single event's message: text, then attributes; the footer always fits. */
const TEXT_MAX_BYTES = 6000;
const GROUP_TEXT_MAX = 200;

/** What Zulip's error `code` values mean for the person reading the dead letter (zulip.com/api/rest-error-handling). */
const zulipErrors: Record<string, string> = {
  UNAUTHORIZED: 'the bot e-mail or API key is wrong',
  INVALID_API_KEY: 'the API key is not valid',
  USER_DEACTIVATED: 'the bot is deactivated',
  REALM_DEACTIVATED: 'the organisation is deactivated',
  STREAM_DOES_NOT_EXIST: 'the channel does not exist',
  BAD_REQUEST: 'Zulip refused the message',
  REQUEST_VARIABLE_MISSING: 'a field Zulip needs is missing',
  RATE_LIMIT_HIT: 'too many messages; retried later',
};

const md = (text: string) => escapeMarkdown(text);

/** `monitor/api-health`: one topic per event source, so a problem and its recovery read as one thread. */
export function zulipTopic(e: TocsinEvent, group?: readonly TocsinEvent[]): string {
  if (group && group.length > 0) return truncate(`${e.topic}: grouped`, ZULIP_TOPIC_MAX);
  return truncate(sourceLabel(e), ZULIP_TOPIC_MAX);
}

/** The message in Zulip's Markdown: bold headline, text, attributes as a code block, a footer line. */
export function zulipContent(req: SendRequest): string {
  const e = req.event;
  // `<time:…>` shows the time in each reader's own time zone.
  const footer =
    `Source: ${md(sourceLabel(e))} · Severity: ${severityText(e)} · ` +
    `Topic: ${md(e.topic)} · <time:${eventTimeIso(e)}>`;
  const head = `**${headline(e, md)}**`;
  if (req.group && req.group.length > 0) {
    const lines = req.group.map(
      (g) =>
        `- ${eventLook(g).emoji} ${clockTime(g.time)} **${md(g.title)}** · ${md(sourceLabel(g))}` +
        (g.text ? ` — ${md(truncate(g.text, GROUP_TEXT_MAX))}` : ''),
    );
    const room = ZULIP_CONTENT_MAX_BYTES - Buffer.byteLength(`${head}\n\n\n\n${footer}`, 'utf8');
    const fitted = fitLines(lines, room, (n) => `- _and ${n} more_`);
    return truncateBytes(`${head}\n\n${fitted.join('\n')}\n\n${footer}`, ZULIP_CONTENT_MAX_BYTES);
  }
  const parts = [head];
  if (e.text) parts.push(truncateBytes(md(e.text), TEXT_MAX_BYTES));
  const attributes = attributesText(e.attributes);
  if (attributes) {
    const used = parts.reduce((n, p) => n + Buffer.byteLength(p, 'utf8') + 2, 0);
    const room = ZULIP_CONTENT_MAX_BYTES - used - Buffer.byteLength(footer, 'utf8') - 20;
    // A fence longer than any run of backticks inside keeps the block whole.
    parts.push(`\`\`\`\`text\n${truncateBytes(attributes.replace(/````/g, "''''"), room)}\n\`\`\`\``);
  }
  parts.push(footer);
  return truncateBytes(parts.join('\n\n'), ZULIP_CONTENT_MAX_BYTES);
}

/** The form fields of `POST /api/v1/messages`: a channel message with its topic, or a direct one. */
export function zulipForm(req: SendRequest): URLSearchParams {
  const form = new URLSearchParams();
  const to = req.spec.to;
  if (Array.isArray(to) && to.length > 0) {
    form.set('type', 'direct');
    form.set('to', JSON.stringify(to));
  } else {
    form.set('type', 'stream');
    form.set('to', String(req.spec.stream));
    form.set('topic', zulipTopic(req.event, req.group));
  }
  form.set('content', zulipContent(req));
  return form;
}

interface ZulipError {
  code?: unknown;
  msg?: unknown;
  'retry-after'?: unknown;
}

/** `zulip answered 400 STREAM_DOES_NOT_EXIST: the channel does not exist (Channel 'ops' does not exist)`. */
export function describeZulipError(res: HttpResponse): string {
  const parsed = jsonObjectOf<ZulipError>(res.body);
  const code = typeof parsed?.code === 'string' ? parsed.code : '';
  const msg = typeof parsed?.msg === 'string' ? parsed.msg.slice(0, 300) : '';
  if (!parsed) {
    const text = res.body.trim().slice(0, 300);
    return `zulip answered ${res.status}${text ? `: ${text}` : ''}`;
  }
  const meaning = zulipErrors[code];
  const said = [code && ` ${code}`, meaning && `: ${meaning}`, msg && ` (${msg})`].filter(Boolean).join('');
  return `zulip answered ${res.status}${said}`;
}

function authorization(spec: Record<string, unknown>): string {
  return `Basic ${Buffer.from(`${String(spec.email)}:${String(spec.apiKey)}`).toString('base64')}`;
}

export function zulipMessagesUrl(site: string): string {
  return `${site.replace(/\/+$/, '')}/api/v1/messages`;
}

export const zulipChannel: Channel = {
  protocol: 'zulip',
  defaultRateLimit: ZULIP_RATE_PER_SECOND,
  // The rate limit is the bot user's, over all its channels.
  destinationKey: (spec) => `${zulipMessagesUrl(String(spec.site))}#${String(spec.email).toLowerCase()}`,
  async send(req) {
    let retryAfterMs: number | undefined;
    const outcome = await sendHttp(
      {
        url: zulipMessagesUrl(String(req.spec.site)),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: authorization(req.spec),
        },
        body: zulipForm(req).toString(),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      (res) => {
        // A 429's JSON says when to come back (`retry-after`, seconds), with or without the header.
        const wait = jsonObjectOf<ZulipError>(res.body)?.['retry-after'];
        if (typeof wait === 'number' && wait >= 0) retryAfterMs = Math.ceil(wait * 1000);
        return describeZulipError(res);
      },
    );
    if (!outcome.ok && outcome.retryAfterMs === undefined && retryAfterMs !== undefined) {
      return { ...outcome, retryAfterMs };
    }
    return outcome;
  },
};
