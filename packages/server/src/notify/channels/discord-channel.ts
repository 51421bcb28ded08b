import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributeLines, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

// Discord's limits (discord.com/developers/docs/resources/message#embed-object-embed-limits and
// …/resources/webhook#execute-webhook): content 2,000 characters, 10 embeds, an embed's title 256, description
// 4,096, 25 fields (name 256, value 1,024), footer 2,048, and 6,000 characters in all the embeds together.
export const CONTENT_MAX = 2000;
export const EMBEDS_MAX = 10;
export const TITLE_MAX = 256;
export const DESCRIPTION_MAX = 4096;
export const EMBEDS_TOTAL_MAX = 6000;
const FIELDS_SHOWN = 10;
const FIELD_VALUE_MAX = 200;
/** Characters of each event's text in a group's embeds (10 × (256 + 300) stays under 6,000). */
const GROUP_TEXT_MAX = 300;

interface Embed {
  title: string;
  description?: string;
  color: number;
  timestamp?: string;
  fields?: { name: string; value: string; inline: boolean }[];
  footer?: { text: string };
}

function colourOf(e: TocsinEvent): number {
  return Number.parseInt(eventLook(e).colour.slice(1), 16);
}

/** Characters Discord counts toward the 6,000 of a message's embeds. */
function embedChars(e: Embed): number {
  let n = e.title.length + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
  for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

function singleEmbed(e: TocsinEvent): Embed {
  const resolved = isResolution(e);
  const lines = attributeLines(e.attributes, FIELD_VALUE_MAX);
  const fields = [
    { name: 'Severity', value: resolved ? `resolved (${e.severity})` : e.severity, inline: true },
    { name: 'Source', value: truncate(sourceLabel(e), FIELD_VALUE_MAX), inline: true },
    ...lines.slice(0, FIELDS_SHOWN).map((line) => {
      const at = line.indexOf(': ');
      return { name: truncate(line.slice(0, at), 100), value: line.slice(at + 2) || '-', inline: true };
    }),
  ];
  const embed: Embed = {
    title: truncate(`${eventLook(e).emoji} ${resolved ? `Resolved: ${e.title}` : e.title}`, TITLE_MAX),
    color: colourOf(e),
    timestamp: eventTimeIso(e),
    fields,
    footer: { text: truncate(`Tocsin · topic ${e.topic}`, 200) },
  };
  if (e.text) {
    const room = Math.min(DESCRIPTION_MAX, EMBEDS_TOTAL_MAX - embedChars(embed));
    embed.description = truncate(e.text, room);
  }
  return embed;
}

/** One embed per event, each in its own colour; past ten, nine and an embed saying how many more. */
function groupEmbeds(events: readonly TocsinEvent[]): Embed[] {
  const shown = events.length <= EMBEDS_MAX ? events : events.slice(0, EMBEDS_MAX - 1);
  const embeds: Embed[] = shown.map((e) => ({
    title: truncate(`${eventLook(e).emoji} ${e.title}`, TITLE_MAX),
    description: truncate(`${sourceLabel(e)}${e.text ? `\n${e.text}` : ''}`, GROUP_TEXT_MAX),
    color: colourOf(e),
    timestamp: eventTimeIso(e),
  }));
  if (shown.length < events.length) {
    embeds.push({ title: `and ${events.length - shown.length} more`, color: colourOf(events[events.length - 1]) });
  }
  return embeds;
}

/** The webhook's JSON: a short `content` (what notifications show), the embeds, and no pings. */
export function discordBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const look = eventLook(e);
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  const body: Record<string, unknown> = {
    content: truncate(`${look.emoji} **[${look.label}]** ${e.title}`, CONTENT_MAX),
    embeds: group ? groupEmbeds(group) : [singleEmbed(e)],
    // A title that says @everyone or <@id> must not ping anyone.
    allowed_mentions: { parse: [] },
  };
  if (typeof req.spec.username === 'string') body.username = req.spec.username;
  if (typeof req.spec.avatarUrl === 'string') body.avatar_url = req.spec.avatarUrl;
  return body;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The first `_errors` message of an Invalid Form Body answer, with its path: `embeds.0.title: Must be 256 …`. */
function firstFormError(errors: unknown, path: string[] = []): string | undefined {
  if (!errors || typeof errors !== 'object') return undefined;
  const node = errors as Record<string, unknown>;
  if (Array.isArray(node._errors)) {
    const first = node._errors[0] as { message?: unknown } | undefined;
    if (typeof first?.message === 'string') return `${path.join('.')}: ${first.message}`;
  }
  for (const [k, v] of Object.entries(node)) {
    const found = k === '_errors' ? undefined : firstFormError(v, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

/** `discord answered 404 10015 Unknown Webhook`; Discord answers `{"code", "message", "errors"?}`. */
export function describeDiscordError(res: HttpResponse): string {
  const parsed = parseJson(res.body);
  if (!parsed) return `discord answered ${res.status}${res.body ? `: ${res.body.slice(0, 300)}` : ''}`;
  const code = typeof parsed.code === 'number' && parsed.code !== 0 ? ` ${parsed.code}` : '';
  const message = typeof parsed.message === 'string' ? ` ${parsed.message.slice(0, 200)}` : '';
  const detail = firstFormError(parsed.errors);
  return `discord answered ${res.status}${code}${message}${detail ? ` (${detail})` : ''}`;
}

/** A 429's wait: `retry_after` (seconds, fractional) in the body, else the X-RateLimit-Reset-After header. */
export function discordRetryAfterMs(res: HttpResponse): number | undefined {
  const seconds = parseJson(res.body)?.retry_after;
  if (typeof seconds === 'number' && seconds >= 0) return Math.ceil(seconds * 1000);
  const header = Number(res.headers['x-ratelimit-reset-after']);
  return Number.isFinite(header) && header >= 0 ? Math.ceil(header * 1000) : undefined;
}

export const discordChannel: Channel = {
  protocol: 'discord',
  // Discord gives each webhook a bucket it reports in X-RateLimit-* headers and takes about 30 messages a minute
  // to a channel (discord.com/developers/docs/topics/rate-limits); one every two seconds stays under both.
  defaultRateLimit: 0.5,
  destinationKey: (spec) => String(spec.endpoint),
  async send(req): Promise<SendOutcome> {
    let retryAfterMs: number | undefined;
    const outcome = await sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(discordBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      (res) => {
        if (res.status === 429) retryAfterMs = discordRetryAfterMs(res);
        return describeDiscordError(res);
      },
    );
    if (!outcome.ok && retryAfterMs !== undefined) return { ...outcome, retryAfterMs };
    return outcome;
  },
};
