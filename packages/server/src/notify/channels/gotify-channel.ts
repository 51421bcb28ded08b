import { createHash } from 'node:crypto';
import type { Severity, TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributesText, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';
import { pushBody, pushTitle } from './push-message.js';

// Gotify documents no size limit (https://gotify.net/api-docs, POST /message); Tocsin cuts the message at 16,000
// characters and the title at 250 so that the phone clients stay readable.
export const GOTIFY_MESSAGE_MAX = 16000;
export const GOTIFY_TITLE_MAX = 250;

/**
 * Gotify's priorities (0–10) as its Android client shows them: 0 no notification, 1–3 silent, 4–7 with sound, 8–10
 * also on top of other apps (https://gotify.net/docs/msgextras and the client's notification channels).
 */
const priorities: Record<Severity, number> = { critical: 8, error: 6, warning: 5, info: 4, ok: 2 };
const RESOLUTION_PRIORITY = 2;

function messageUrl(spec: Record<string, unknown>): string {
  return `${String(spec.server).replace(/\/+$/, '')}/message`;
}

/** Markdown renders single newlines as spaces: hard breaks keep the lines. */
function lines(text: string): string {
  return text.replace(/\r?\n/g, '  \n');
}

function markdownBody(req: SendRequest): string {
  if (req.group && req.group.length > 0) {
    const items = req.group.map(
      (e: TocsinEvent) => `- ${eventLook(e).emoji} ${eventTimeIso(e)} **${e.title}** · \`${sourceLabel(e)}\``,
    );
    return `${items.join('\n')}\n\n${req.group.length} events · topic \`${req.event.topic}\``;
  }
  const e = req.event;
  const parts: string[] = [];
  if (e.text) parts.push(lines(e.text));
  const attributes = attributesText(e.attributes);
  // A code block keeps the alignment; three backticks inside would end it early.
  if (attributes) parts.push(`\`\`\`\n${attributes.replace(/```/g, "'''")}\n\`\`\``);
  const severity = isResolution(e) ? `resolved (${e.severity})` : e.severity;
  parts.push(`\`${sourceLabel(e)}\` · ${severity} · ${eventTimeIso(e)} · topic \`${e.topic}\``);
  return parts.join('\n\n');
}

/** The JSON of `POST /message`; Markdown unless the subscription says `plainText: true`. */
export function gotifyBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const markdown = req.spec.plainText !== true;
  const message = markdown ? markdownBody(req) : pushBody(req);
  return {
    title: truncate(`${eventLook(e).emoji} ${pushTitle(e)}`, GOTIFY_TITLE_MAX),
    message: truncate(message, GOTIFY_MESSAGE_MAX),
    priority: isResolution(e) ? RESOLUTION_PRIORITY : priorities[e.severity],
    extras: { 'client::display': { contentType: markdown ? 'text/markdown' : 'text/plain' } },
  };
}

/** Gotify's error body: `{"error":"Unauthorized","errorCode":401,"errorDescription":"…"}`. */
export function describeGotifyError(res: HttpResponse): string {
  try {
    const parsed = JSON.parse(res.body) as { error?: unknown; errorDescription?: unknown };
    const parts = [parsed.error, parsed.errorDescription].filter((p): p is string => typeof p === 'string' && !!p);
    if (parts.length > 0) return `gotify answered ${res.status} ${parts.join(': ')}`;
  } catch {
    // not JSON: quoted below
  }
  const text = res.body.trim().slice(0, 300);
  const hint = res.status === 404 ? ' (check the server URL)' : '';
  return `gotify answered ${res.status}${text ? `: ${text}` : ''}${hint}`;
}

export const gotifyChannel: Channel = {
  protocol: 'gotify',
  // A self-hosted server with no documented rate limit: none by default.
  destinationKey: (spec) =>
    `${messageUrl(spec)}#${createHash('sha256').update(String(spec.token)).digest('hex').slice(0, 12)}`,
  send(req) {
    return sendHttp(
      {
        url: messageUrl(req.spec),
        headers: { 'content-type': 'application/json', 'x-gotify-key': String(req.spec.token) },
        body: JSON.stringify(gotifyBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeGotifyError,
    );
  },
};
