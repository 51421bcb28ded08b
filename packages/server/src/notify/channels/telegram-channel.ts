import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributesText, eventLook, eventTimeIso, sourceLabel, truncate } from './message-format.js';
import { clockTime } from '../digest.js';

export const TELEGRAM_API = 'https://api.telegram.org';
/** sendMessage's `text`: "1-4096 characters after entities parsing" (core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_TEXT_MAX = 4096;
const TITLE_MAX = 300;
const ATTRIBUTES_MAX = 1000;
/** Characters of each event's text in a group message. */
const GROUP_TEXT_MAX = 200;

/**
 * The three characters Telegram's HTML parse mode needs escaped ("all <, > and & symbols that are not a part of a
 * tag or an HTML entity must be replaced", core.telegram.org/bots/api#html-style). Escaping does not count toward
 * the 4,096: entities count as the one character they stand for.
 */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A piece of the message: raw text as shown (its length is what Telegram counts) and how it is marked up. */
interface Piece {
  text: string;
  tag?: 'b' | 'i' | 'pre';
}

function render(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => (p.tag ? `<${p.tag}>${escapeTelegramHtml(p.text)}</${p.tag}>` : escapeTelegramHtml(p.text)))
    .join('');
}

function shownLength(pieces: readonly Piece[]): number {
  return pieces.reduce((n, p) => n + p.text.length, 0);
}

function footer(e: TocsinEvent): Piece {
  return { text: `${sourceLabel(e)} · topic ${e.topic} · ${eventTimeIso(e)}`, tag: 'i' };
}

function singlePieces(e: TocsinEvent): Piece[] {
  const look = eventLook(e);
  // The label already says RESOLVED for a resolution.
  const head: Piece[] = [
    { text: `${look.emoji} ` },
    { text: truncate(`[${look.label}] ${e.title}`, TITLE_MAX), tag: 'b' },
  ];
  const attributes = attributesText(e.attributes);
  const tail: Piece[] = [];
  if (attributes) tail.push({ text: '\n' }, { text: truncate(attributes, ATTRIBUTES_MAX), tag: 'pre' });
  tail.push({ text: '\n' }, footer(e));
  if (!e.text) return [...head, ...tail];
  const room = TELEGRAM_TEXT_MAX - shownLength(head) - shownLength(tail) - 1;
  return [...head, { text: `\n${truncate(e.text, room)}` }, ...tail];
}

function groupPieces(summary: TocsinEvent, events: readonly TocsinEvent[]): Piece[] {
  const look = eventLook(summary);
  const pieces: Piece[] = [
    { text: `${look.emoji} ` },
    { text: truncate(`[${look.label}] ${summary.title}`, TITLE_MAX), tag: 'b' },
  ];
  const end: Piece[] = [{ text: '\n' }, { text: `${events.length} events · topic ${summary.topic}`, tag: 'i' }];
  // Room for the closing line and an "and N more" line.
  const room = TELEGRAM_TEXT_MAX - shownLength(end) - 30;
  let shown = 0;
  for (const e of events) {
    const detail = e.text ? `\n${truncate(e.text, GROUP_TEXT_MAX)}` : '';
    const line: Piece[] = [
      { text: `\n\n${eventLook(e).emoji} ${clockTime(e.time)} ` },
      { text: truncate(e.title, TITLE_MAX), tag: 'b' },
      { text: ` · ${sourceLabel(e)}${detail}` },
    ];
    if (shownLength(pieces) + shownLength(line) > room) break;
    pieces.push(...line);
    shown++;
  }
  if (shown < events.length) pieces.push({ text: `\n\nand ${events.length - shown} more` });
  pieces.push(...end);
  return pieces;
}

/** The sendMessage request: HTML text, no link previews, in the topic when the subscription names one. */
export function telegramBody(req: SendRequest): Record<string, unknown> {
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  const body: Record<string, unknown> = {
    chat_id: req.spec.chatId,
    text: render(group ? groupPieces(req.event, group) : singlePieces(req.event)),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
  if (typeof req.spec.messageThreadId === 'number') body.message_thread_id = req.spec.messageThreadId;
  return body;
}

interface TelegramAnswer {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

function parseAnswer(text: string): TelegramAnswer | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as TelegramAnswer) : undefined;
  } catch {
    return undefined;
  }
}

const hints: Record<number, string> = {
  401: 'the bot token is wrong or was revoked; get it again from @BotFather',
  403: 'the bot is not in the chat, was removed from it, or the user blocked it',
  404: 'the bot token is not valid',
};

/** `telegram answered 400 Bad Request: chat not found`; the token is in the URL, never in the text. */
export function describeTelegramError(res: HttpResponse): string {
  const answer = parseAnswer(res.body);
  const description = answer?.description ? `: ${answer.description.slice(0, 300)}` : '';
  const migrated = answer?.parameters?.migrate_to_chat_id;
  const hint =
    migrated !== undefined ? `the group is now a supergroup: set chatId to ${migrated}` : (hints[res.status] ?? '');
  return `telegram answered ${res.status}${description}${hint ? ` (${hint})` : ''}`;
}

function endpointOf(spec: Record<string, unknown>): string {
  return String(spec.endpoint ?? TELEGRAM_API).replace(/\/+$/, '');
}

function tokenHash(spec: Record<string, unknown>): string {
  return createHash('sha256').update(String(spec.botToken)).digest('hex').slice(0, 12);
}

export const telegramChannel: Channel = {
  protocol: 'telegram',
  // "No more than 20 messages per minute in the same group", one a second in a private chat
  // (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): the group limit, per chat.
  defaultRateLimit: 20 / 60,
  destinationKey: (spec) => `${endpointOf(spec)}#${tokenHash(spec)}#${String(spec.chatId)}`,
  async send(req): Promise<SendOutcome> {
    let retryAfterMs: number | undefined;
    const outcome = await sendHttp(
      {
        url: `${endpointOf(req.spec)}/bot${String(req.spec.botToken)}/sendMessage`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(telegramBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      (res) => {
        const seconds = parseAnswer(res.body)?.parameters?.retry_after;
        if (typeof seconds === 'number' && seconds >= 0) retryAfterMs = seconds * 1000;
        return describeTelegramError(res);
      },
    );
    if (!outcome.ok && retryAfterMs !== undefined) return { ...outcome, retryAfterMs };
    return outcome;
  },
};
