import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributeLines, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

/**
 * A post holds at most 16,383 characters (docs.mattermost.com, "Maximum message length", since 5.0); an
 * attachment's text is kept under it, so a message is never refused or split for length.
 */
export const MATTERMOST_TEXT_MAX = 16_383;
const TITLE_MAX = 500;
const FIELDS_MAX = 20;
/** Characters of each event's text in a group message. */
const GROUP_TEXT_MAX = 300;
/** Events a group message lists (each an attachment) before "and N more". */
const GROUP_EVENTS_MAX = 30;

/**
 * Attachment text and titles are Markdown with @mentions: `@channel` or `@all` in an event must not ping anyone, so
 * a zero-width space follows each `@`.
 */
export function defuseMentions(text: string): string {
  return text.replace(/@(?=[\w.-])/g, '@\u200b');
}

interface Attachment {
  fallback: string;
  color: string;
  title: string;
  text?: string;
  fields?: { short: boolean; title: string; value: string }[];
  footer?: string;
}

function singleAttachment(e: TocsinEvent): Attachment {
  const look = eventLook(e);
  const resolved = isResolution(e);
  const headline = resolved ? `Resolved: ${e.title}` : e.title;
  const lines = attributeLines(e.attributes);
  const fields = [
    { short: true, title: 'Severity', value: resolved ? `resolved (${e.severity})` : e.severity },
    { short: true, title: 'Source', value: defuseMentions(sourceLabel(e)) },
    ...lines.slice(0, FIELDS_MAX).map((line) => {
      const at = line.indexOf(': ');
      return { short: true, title: line.slice(0, at), value: defuseMentions(line.slice(at + 2)) };
    }),
  ];
  if (lines.length > FIELDS_MAX)
    fields.push({ short: true, title: '…', value: `and ${lines.length - FIELDS_MAX} more` });
  const attachment: Attachment = {
    fallback: truncate(`[${look.label}] ${e.title}`, TITLE_MAX),
    color: look.colour,
    title: defuseMentions(truncate(`${look.emoji} ${headline}`, TITLE_MAX)),
    fields,
    footer: `Tocsin · topic ${e.topic} · ${eventTimeIso(e)}`,
  };
  if (e.text) attachment.text = defuseMentions(truncate(e.text, MATTERMOST_TEXT_MAX - 200));
  return attachment;
}

/** One attachment per event, each in its colour; past 30, 29 and one saying how many more. */
function groupAttachments(events: readonly TocsinEvent[]): Attachment[] {
  const shown = events.length <= GROUP_EVENTS_MAX ? events : events.slice(0, GROUP_EVENTS_MAX - 1);
  const list: Attachment[] = shown.map((e) => {
    const look = eventLook(e);
    return {
      fallback: truncate(`[${look.label}] ${e.title}`, TITLE_MAX),
      color: look.colour,
      title: defuseMentions(truncate(`${look.emoji} ${e.title}`, TITLE_MAX)),
      text: defuseMentions(
        truncate(`${sourceLabel(e)} · ${eventTimeIso(e)}${e.text ? `\n${e.text}` : ''}`, GROUP_TEXT_MAX),
      ),
    };
  });
  if (shown.length < events.length) {
    const rest = events.length - shown.length;
    list.push({
      fallback: `and ${rest} more`,
      color: eventLook(events[events.length - 1]).colour,
      title: `and ${rest} more`,
    });
  }
  return list;
}

/** The incoming webhook's JSON: Slack-compatible attachments, and the overrides the subscription sets. */
export function mattermostBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const look = eventLook(e);
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  const body: Record<string, unknown> = group
    ? {
        text: defuseMentions(
          truncate(
            `${look.emoji} **[${look.label}]** ${e.title} (${group.length} events, topic ${e.topic})`,
            TITLE_MAX,
          ),
        ),
        attachments: groupAttachments(group),
      }
    : { attachments: [singleAttachment(e)] };
  if (typeof req.spec.channel === 'string') body.channel = req.spec.channel;
  if (typeof req.spec.username === 'string') body.username = req.spec.username;
  if (typeof req.spec.iconUrl === 'string') body.icon_url = req.spec.iconUrl;
  return body;
}

/** What Mattermost's error ids mean for the person reading the dead letter. */
const mattermostErrors: Record<string, string> = {
  'web.incoming_webhook.invalid.app_error': 'the webhook does not exist; make a new one',
  'web.incoming_webhook.disabled.app_error': 'incoming webhooks are turned off on this server',
  'web.incoming_webhook.channel_locked.app_error': 'the webhook is locked to its channel; remove `channel`',
  'web.incoming_webhook.channel.app_error': 'the channel does not exist',
  'web.incoming_webhook.user.app_error': 'the user does not exist',
  'web.incoming_webhook.parse.app_error': 'Mattermost could not read the message',
  'web.incoming_webhook.text.app_error': 'the message has no text or attachments',
};

/** `mattermost answered 403 web.incoming_webhook.channel_locked.app_error: …`: answers carry `id` and `message`. */
export function describeMattermostError(res: HttpResponse): string {
  try {
    const parsed = JSON.parse(res.body) as { id?: unknown; message?: unknown };
    if (typeof parsed.id === 'string') {
      const meaning =
        mattermostErrors[parsed.id] ?? (typeof parsed.message === 'string' ? parsed.message.slice(0, 300) : '');
      return `mattermost answered ${res.status} ${parsed.id}${meaning ? `: ${meaning}` : ''}`;
    }
  } catch {
    // Not JSON: quote the text.
  }
  return `mattermost answered ${res.status}${res.body ? `: ${res.body.trim().slice(0, 300)}` : ''}`;
}

export const mattermostChannel: Channel = {
  protocol: 'mattermost',
  // A server with rate limiting on takes 10 requests a second per client by default
  // (docs.mattermost.com configuration settings, RateLimitSettings.PerSec).
  defaultRateLimit: 10,
  destinationKey: (spec) => String(spec.endpoint),
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(mattermostBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeMattermostError,
    );
  },
};
