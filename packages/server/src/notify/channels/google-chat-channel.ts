import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributeLines, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

/**
 * "The maximum message size, including text and cards, is 32,000 bytes" (developers.google.com/workspace/chat/
 * create-messages); counted as the UTF-8 bytes of the request body.
 */
export const GOOGLE_CHAT_MAX_BYTES = 32_000;
/** A thread key is at most 4,000 characters (spaces.messages.create, `threadKey`); longer dedup keys are hashed. */
const THREAD_KEY_MAX = 4000;
/** Characters of free text a card tries first; cut down until the card fits. */
const TEXT_BUDGETS = [4000, 2000, 1000, 400, 100];
const TITLE_MAX = 300;
const FACTS_MAX = 20;
/** Events a group card lists before "and N more". */
const GROUP_EVENTS_MAX = 40;

/** Card text is HTML ("<b>", "<font color>"): everything else is escaped. */
export function escapeChatHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function badge(e: TocsinEvent): string {
  const look = eventLook(e);
  return `<font color="${look.colour}"><b>${look.label}</b></font>`;
}

function singleSections(e: TocsinEvent, budget: number): Record<string, unknown>[] {
  const widgets: Record<string, unknown>[] = [
    { textParagraph: { text: `${badge(e)} · ${escapeChatHtml(sourceLabel(e))} · ${eventTimeIso(e)}` } },
  ];
  if (e.text) widgets.push({ textParagraph: { text: escapeChatHtml(truncate(e.text, budget)) } });
  const lines = attributeLines(e.attributes, Math.min(300, budget));
  const sections: Record<string, unknown>[] = [{ widgets }];
  if (lines.length > 0) {
    const facts = lines.slice(0, FACTS_MAX).map((line) => {
      const at = line.indexOf(': ');
      return {
        decoratedText: { topLabel: line.slice(0, at), text: escapeChatHtml(line.slice(at + 2)), wrapText: true },
      };
    });
    if (lines.length > FACTS_MAX)
      facts.push({ decoratedText: { topLabel: '…', text: `and ${lines.length - FACTS_MAX} more`, wrapText: true } });
    sections.push({ header: 'Details', collapsible: lines.length > 5, uncollapsibleWidgetsCount: 5, widgets: facts });
  }
  return sections;
}

function groupSections(events: readonly TocsinEvent[], budget: number): Record<string, unknown>[] {
  const shown = events.slice(0, GROUP_EVENTS_MAX);
  const each = Math.max(50, Math.floor(budget / Math.max(1, shown.length)));
  const widgets: Record<string, unknown>[] = shown.map((e) => ({
    textParagraph: {
      text:
        `${eventLook(e).emoji} ${badge(e)} <b>${escapeChatHtml(truncate(e.title, TITLE_MAX))}</b> · ` +
        `${escapeChatHtml(sourceLabel(e))} · ${eventTimeIso(e)}` +
        (e.text ? `<br>${escapeChatHtml(truncate(e.text, each))}` : ''),
    },
  }));
  if (shown.length < events.length)
    widgets.push({ textParagraph: { text: `<i>and ${events.length - shown.length} more</i>` } });
  return [{ widgets }];
}

function threadKey(dedupKey: string): string {
  return dedupKey.length <= THREAD_KEY_MAX ? dedupKey : createHash('sha256').update(dedupKey).digest('hex');
}

/**
 * The message: a card (`cardsV2`) with the title in its header, `fallbackText` for notifications, and, for a single
 * event, its dedup key as the thread key, so a resolution replies in its problem's thread. A group starts its own
 * thread. Texts are cut until the body fits in 32,000 bytes.
 */
export function googleChatBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const look = eventLook(e);
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  const headline = !group && isResolution(e) ? `Resolved: ${e.title}` : e.title;
  const build = (budget: number, sections?: Record<string, unknown>[]): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      fallbackText: truncate(`${look.emoji} [${look.label}] ${e.title}`, TITLE_MAX),
      cardsV2: [
        {
          cardId: 'tocsin-event',
          card: {
            header: {
              title: truncate(`${look.emoji} ${headline}`, TITLE_MAX),
              subtitle: group ? `${group.length} events · topic ${e.topic}` : `${look.label} · topic ${e.topic}`,
            },
            sections: sections ?? (group ? groupSections(group, budget) : singleSections(e, budget)),
          },
        },
      ],
    };
    if (!group) body.thread = { threadKey: threadKey(e.dedupKey) };
    return body;
  };
  for (const budget of TEXT_BUDGETS) {
    const body = build(budget);
    if (Buffer.byteLength(JSON.stringify(body)) <= GOOGLE_CHAT_MAX_BYTES) return body;
  }
  return build(0, [{ widgets: [{ textParagraph: { text: '<i>(the details were too long for Google Chat)</i>' } }] }]);
}

/** The webhook URL with `messageReplyOption`: reply in the key's thread, or start it. */
export function googleChatUrl(endpoint: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  return url.toString();
}

/** `google chat answered 400 INVALID_ARGUMENT: …`: Google's `{"error":{"code","message","status"}}`. */
export function describeGoogleChatError(res: HttpResponse): string {
  try {
    const parsed = JSON.parse(res.body) as { error?: { message?: unknown; status?: unknown } };
    const status = typeof parsed.error?.status === 'string' ? ` ${parsed.error.status}` : '';
    const message = typeof parsed.error?.message === 'string' ? `: ${parsed.error.message.slice(0, 300)}` : '';
    if (status || message) return `google chat answered ${res.status}${status}${message}`;
  } catch {
    // Not JSON (a proxy's page): quote it.
  }
  return `google chat answered ${res.status}${res.body ? `: ${res.body.trim().slice(0, 300)}` : ''}`;
}

export const googleChatChannel: Channel = {
  protocol: 'google_chat',
  // Incoming webhooks share the space's limit of one message a second
  // (developers.google.com/workspace/chat/limits, "per space" write quota of 60 a minute).
  defaultRateLimit: 1,
  // The budget is the space's: every webhook of a space (its key and token in the query) shares it.
  destinationKey: (spec) => {
    const url = new URL(String(spec.endpoint));
    return `${url.origin}${url.pathname}`;
  },
  send(req) {
    return sendHttp(
      {
        url: googleChatUrl(String(req.spec.endpoint)),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(googleChatBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeGoogleChatError,
    );
  },
};
