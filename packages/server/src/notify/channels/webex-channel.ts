import { createHash } from 'node:crypto';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
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

export const WEBEX_ENDPOINT = 'https://webexapis.com/v1/messages';
// The Messages API's limit (developer.webex.com/docs/api/v1/messages/create-a-message): `text` and `markdown` are
// at most 7,439 bytes each.
export const WEBEX_MESSAGE_MAX_BYTES = 7439;
const TEXT_MAX_BYTES = 4000;
const GROUP_TEXT_MAX = 200;
/** Webex's `<@all>` and `<@personEmail:…>` mentions: `<` is escaped too. */
const WEBEX_EXTRA_ESCAPES = '<';

function md(text: string): string {
  return escapeMarkdown(text, WEBEX_EXTRA_ESCAPES);
}

function endpointOf(spec: Record<string, unknown>): string {
  return typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : WEBEX_ENDPOINT;
}

/** The message in Webex Markdown: bold headline, text, attributes in a code block, a footer line. */
export function webexMarkdown(req: SendRequest): string {
  const e = req.event;
  const head = `**${headline(e, md)}**`;
  if (req.group && req.group.length > 0) {
    const footer = `_Events: ${req.group.length} · Topic: ${md(e.topic)}_`;
    const lines = req.group.map(
      (g) =>
        `- ${eventLook(g).emoji} ${clockTime(g.time)} **${md(g.title)}** · ${md(sourceLabel(g))}` +
        (g.text ? ` — ${md(truncate(g.text, GROUP_TEXT_MAX))}` : ''),
    );
    const room = WEBEX_MESSAGE_MAX_BYTES - Buffer.byteLength(`${head}\n\n\n\n${footer}`, 'utf8');
    const fitted = fitLines(lines, room, (n) => `- _and ${n} more_`);
    return truncateBytes(`${head}\n\n${fitted.join('\n')}\n\n${footer}`, WEBEX_MESSAGE_MAX_BYTES);
  }
  const footer =
    `_Source: ${md(sourceLabel(e))} · Severity: ${severityText(e)} · ` + `Topic: ${md(e.topic)} · ${eventTimeIso(e)}_`;
  const parts = [head];
  if (e.text) parts.push(truncateBytes(md(e.text), TEXT_MAX_BYTES));
  const attributes = attributesText(e.attributes);
  if (attributes) {
    const used = parts.reduce((n, p) => n + Buffer.byteLength(p, 'utf8') + 2, 0);
    const room = WEBEX_MESSAGE_MAX_BYTES - used - Buffer.byteLength(footer, 'utf8') - 20;
    parts.push(`\`\`\`\n${truncateBytes(attributes.replace(/```/g, "'''"), room)}\n\`\`\``);
  }
  parts.push(footer);
  return truncateBytes(parts.join('\n\n'), WEBEX_MESSAGE_MAX_BYTES);
}

/** `POST /v1/messages`: the room or the person, `markdown`, and `text` for clients that show no Markdown. */
export function webexBody(req: SendRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (typeof req.spec.roomId === 'string' && req.spec.roomId) body.roomId = req.spec.roomId;
  else body.toPersonEmail = String(req.spec.toPersonEmail);
  body.markdown = webexMarkdown(req);
  body.text = truncateBytes(headline(req.event), WEBEX_MESSAGE_MAX_BYTES);
  return body;
}

/** `webex answered 404: the room does not exist or the bot is not in it (Could not find a room …; tracking id …)`. */
export function describeWebexError(res: HttpResponse): string {
  let message = '';
  let tracking = '';
  try {
    const parsed = JSON.parse(res.body) as { message?: unknown; trackingId?: unknown; errors?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message.slice(0, 300);
    if (typeof parsed.trackingId === 'string') tracking = parsed.trackingId;
  } catch {
    message = res.body.trim().slice(0, 300);
  }
  const meaning =
    res.status === 401
      ? 'the bot token is not valid'
      : res.status === 403
        ? 'the bot may not post here'
        : res.status === 404
          ? 'the room or person does not exist, or the bot is not in the room'
          : '';
  const detail = [message, tracking && `tracking id ${tracking}`].filter(Boolean).join('; ');
  return `webex answered ${res.status}${meaning ? `: ${meaning}` : ''}${detail ? ` (${detail})` : ''}`;
}

export const webexChannel: Channel = {
  protocol: 'webex',
  // Webex publishes no fixed rate; it answers bursts with 429 and Retry-After (developer.webex.com/docs/basics).
  // The key is the endpoint and a hash of the token, as each bot has its own budget.
  destinationKey: (spec) =>
    `${endpointOf(spec)}#${createHash('sha256').update(String(spec.token)).digest('hex').slice(0, 12)}`,
  send(req) {
    return sendHttp(
      {
        url: endpointOf(req.spec),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${String(req.spec.token)}` },
        body: JSON.stringify(webexBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeWebexError,
    );
  },
};
