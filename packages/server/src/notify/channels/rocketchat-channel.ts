import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributeValueText, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

// Rocket.Chat's message size: the workspace setting Message_MaxAllowedSize, 5,000 characters by default
// (docs.rocket.chat, Administration › Settings › Message). Text longer than that is cut, never refused.
const MESSAGE_MAX = 5000;
/** Attribute fields an attachment shows (Rocket.Chat sets no limit; a wall of fields helps nobody). */
const FIELDS_MAX = 20;
const FIELD_VALUE_MAX = 300;
/** Attachments a group message carries; past them the text says how many more there were. */
const GROUP_ATTACHMENTS_MAX = 20;
const GROUP_TEXT_MAX = 500;

interface Attachment {
  title: string;
  text?: string;
  color: string;
  ts: string;
  fields?: { short: boolean; title: string; value: string }[];
}

function attachmentOf(e: TocsinEvent, textMax: number, withFields: boolean): Attachment {
  const resolved = isResolution(e);
  const attachment: Attachment = {
    title: truncate(resolved ? `Resolved: ${e.title}` : e.title, MESSAGE_MAX),
    color: eventLook(e).colour,
    ts: eventTimeIso(e),
  };
  if (e.text) attachment.text = truncate(e.text, textMax);
  if (!withFields) return attachment;
  const fields = [
    { short: true, title: 'Source', value: sourceLabel(e) },
    { short: true, title: 'Severity', value: resolved ? `resolved (${e.severity})` : e.severity },
    { short: true, title: 'Topic', value: e.topic },
  ];
  for (const [key, value] of Object.entries(e.attributes).slice(0, FIELDS_MAX - fields.length)) {
    fields.push({ short: true, title: key, value: attributeValueText(value, FIELD_VALUE_MAX) });
  }
  attachment.fields = fields;
  return attachment;
}

/**
 * The incoming webhook's JSON: `text` (what notifications show) and one attachment per event, its colour bar the
 * severity's (green for a resolution); `channel`, `alias` and `emoji` when the subscription sets them.
 */
export function rocketchatBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const look = eventLook(e);
  const body: Record<string, unknown> = { text: truncate(`${look.emoji} *[${look.label}]* ${e.title}`, MESSAGE_MAX) };
  for (const key of ['channel', 'alias', 'emoji'] as const) {
    const value = req.spec[key];
    if (typeof value === 'string' && value) body[key] = value;
  }
  const group = req.group;
  if (!group || group.length === 0) {
    body.attachments = [attachmentOf(e, MESSAGE_MAX, true)];
    return body;
  }
  const shown = group.length <= GROUP_ATTACHMENTS_MAX ? group : group.slice(0, GROUP_ATTACHMENTS_MAX - 1);
  body.attachments = shown.map((g) => attachmentOf(g, GROUP_TEXT_MAX, false));
  if (shown.length < group.length) body.text = `${body.text}\n_and ${group.length - shown.length} more_`;
  return body;
}

/** `rocketchat answered 400: error-invalid-channel`: Rocket.Chat's `{ success: false, error }`, else its text. */
export function describeRocketchatError(res: HttpResponse): string {
  let said = res.body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(res.body) as { error?: unknown; message?: unknown };
    const text = [parsed.error, parsed.message].find((v) => typeof v === 'string' && v);
    if (typeof text === 'string') said = text.slice(0, 300);
  } catch {
    // not JSON: the text as it is
  }
  const hint = res.status === 404 ? ' (the integration does not exist or is disabled; check the webhook URL)' : '';
  return `rocketchat answered ${res.status}${said ? `: ${said}` : ''}${hint}`;
}

export const rocketchatChannel: Channel = {
  protocol: 'rocketchat',
  // Rocket.Chat publishes no fixed limit for incoming webhooks; its API rate limiter answers 429 with Retry-After.
  // The URL holds the token: the key keeps only a hash of it.
  destinationKey: (spec) =>
    `rocketchat#${createHash('sha256').update(String(spec.endpoint)).digest('hex').slice(0, 16)}`,
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(rocketchatBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeRocketchatError,
    );
  },
};
