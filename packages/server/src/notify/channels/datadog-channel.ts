import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { digestDetail } from '../digest.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributesText, eventTimeIso, isResolution, sourceLabel, tagsText, truncate } from './message-format.js';

export const DATADOG_ENDPOINT = 'https://api.datadoghq.com/api/v1/events';

// Limits of the v1 Events API.
const TITLE_MAX = 100;
const TEXT_MAX = 4000;
const AGGREGATION_KEY_MAX = 100;
const TAG_MAX = 200;
/**
 * Datadog refuses an event dated more than 18 hours ago or 2 hours ahead. An older one (a replayed
 * dead letter, a missed run noticed after an outage) is sent dated now, with its own time in the text;
 * the margins leave room for the sender's clock being off by up to an hour.
 */
const OLDEST_MS = 17 * 3600_000;
const AHEAD_MS = 3600_000;

/** The event time Datadog takes, or undefined when the event must be dated `now` instead. */
function acceptedTime(time: number, now: number): number | undefined {
  return time >= now - OLDEST_MS && time <= now + AHEAD_MS ? time : undefined;
}

const REDATED = '(sent dated now: Datadog takes events at most 18 hours old)';

/** Tags of a group's event: its sources and kinds, up to this many. */
const GROUP_TAGS_MAX = 50;

type AlertType = 'error' | 'warning' | 'info' | 'success';

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function endpointOf(spec: Record<string, unknown>): string {
  return typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : DATADOG_ENDPOINT;
}

export function datadogAlertType(event: Pick<TocsinEvent, 'severity' | 'kind'>): AlertType {
  if (isResolution(event)) return 'success';
  if (event.severity === 'critical' || event.severity === 'error') return 'error';
  return event.severity === 'warning' ? 'warning' : 'info';
}

/** Dedup keys run to 255 characters; a longer one keeps its start and a hash, so keys stay distinct. */
export function aggregationKey(dedupKey: string): string {
  if (dedupKey.length <= AGGREGATION_KEY_MAX) return dedupKey;
  return `${dedupKey.slice(0, AGGREGATION_KEY_MAX - 17)}-${shortHash(dedupKey, 16)}`;
}

function datadogText(e: TocsinEvent, redated: boolean): string {
  const tags = tagsText(e.source.tags);
  const lines = [
    `**Source:** ${sourceLabel(e)}${tags ? ` (${tags})` : ''}`,
    `**Topic:** ${e.topic} · **Kind:** ${e.kind} · **Severity:** ${e.severity}`,
    `**Time:** ${eventTimeIso(e)}${redated ? ` ${REDATED}` : ''}`,
  ];
  const attributes = attributesText(e.attributes);
  const facts = `${lines.join('  \n')}${attributes ? `\n\n\`\`\`\n${attributes.replace(/```/g, "'''")}\n\`\`\`` : ''}`;
  const open = '%%% \n';
  const close = '\n %%%';
  // The text comes first; facts are kept whole when they fit, and the event text gives way.
  const room = TEXT_MAX - open.length - close.length;
  const factsPart = truncate(facts, room);
  const textRoom = room - factsPart.length - 2;
  const body = e.text && textRoom > 20 ? `${truncate(e.text, textRoom)}\n\n${factsPart}` : factsPart;
  return `${open}${body}${close}`;
}

/** A group window's events as a Markdown list (oldest first), cut to the text limit with "and N more". */
function datadogGroupText(summary: TocsinEvent, events: readonly TocsinEvent[], redated: boolean): string {
  const open = '%%% \n';
  const close = '\n %%%';
  const time = redated ? `  \n**Time:** ${eventTimeIso(summary)} ${REDATED}` : '';
  const counts = `**Events:** ${events.length} · **Severity:** ${summary.severity}`;
  const facts = `\n**Topic:** ${summary.topic} · ${counts}${time}`;
  const room = TEXT_MAX - open.length - close.length - facts.length - 30; // 30: the "and N more" line
  const lines: string[] = [];
  let used = 0;
  for (const e of events) {
    const detail = digestDetail(e);
    const title = e.title.replace(/\s+/g, ' ');
    const line = `- **${eventTimeIso(e)}** ${title} (${sourceLabel(e)})${detail ? ` — ${detail}` : ''}`;
    if (used + line.length + 1 > room) break;
    lines.push(line);
    used += line.length + 1;
  }
  if (lines.length < events.length) lines.push(`- … and ${events.length - lines.length} more`);
  return `${open}${lines.join('\n')}\n${facts}${close}`;
}

function groupTags(events: readonly TocsinEvent[]): string[] {
  const tags = new Set<string>(['kind:digest']);
  for (const e of events) {
    tags.add(`source:${sourceLabel(e)}`);
    tags.add(`kind:${e.kind}`);
  }
  return [...tags].slice(0, GROUP_TAGS_MAX);
}

/**
 * The v1 Events API body; a group window's events make one event listing them all. `now` is the wall
 * clock (Datadog compares the event's date with its own), for an event too old to be dated as it happened.
 */
export function datadogBody(req: SendRequest, now: number): Record<string, unknown> {
  const e = req.event;
  const time = acceptedTime(e.time, now);
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  const tags = group
    ? [...groupTags(group), `severity:${e.severity}`]
    : [
        `source:${sourceLabel(e)}`,
        `kind:${e.kind}`,
        `severity:${e.severity}`,
        ...Object.entries(e.source.tags ?? {}).map(([k, v]) => (v ? `${k}:${v}` : k)),
      ];
  return {
    title: truncate(e.title, TITLE_MAX),
    text: group ? datadogGroupText(e, group, time === undefined) : datadogText(e, time === undefined),
    alert_type: datadogAlertType(e),
    priority: e.severity === 'info' && !isResolution(e) ? 'low' : 'normal',
    tags: tags.map((t) => truncate(t, TAG_MAX)),
    aggregation_key: aggregationKey(e.dedupKey),
    source_type_name: 'tocsin',
    date_happened: Math.floor((time ?? now) / 1000),
  };
}

/** `datadog answered 403: Forbidden (check the API key and that the endpoint is your Datadog site)`. */
export function describeDatadogError(res: HttpResponse): string {
  let detail = res.body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(res.body) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) detail = parsed.errors.map(String).join('; ');
  } catch {
    // Not JSON (a proxy's page, say): keep the raw text.
  }
  const hint = res.status === 403 ? ' (check the API key and that the endpoint is your Datadog site)' : '';
  return `datadog answered ${res.status}${detail ? `: ${detail}` : ''}${hint}`;
}

/** The Datadog channel reading the wall clock `now` (a test passes its own). */
export function createDatadogChannel(now: () => number = Date.now): Channel {
  return {
    protocol: 'datadog',
    // The API key is a credential: the key holds only a short hash of it.
    destinationKey: (spec) => `${endpointOf(spec)}#${shortHash(String(spec.apiKey), 12)}`,
    send(req) {
      return sendHttp(
        {
          url: endpointOf(req.spec),
          headers: { 'content-type': 'application/json', 'DD-API-KEY': String(req.spec.apiKey) },
          body: JSON.stringify(datadogBody(req, now())),
          timeoutMs: req.timeoutMs,
          origin: req.origin,
        },
        describeDatadogError,
      );
    },
  };
}

export const datadogChannel: Channel = createDatadogChannel();
