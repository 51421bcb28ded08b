/**
 * Opsgenie through its Alert API v2 (https://docs.opsgenie.com/docs/alert-api). A problem creates an alert whose
 * alias is the event's dedup key, so repeats add to the one open alert; a resolution closes it by alias. Opsgenie
 * answers valid requests with 202 and processes them asynchronously.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { type HttpResponse, sendHttp } from './http-sender.js';
import {
  attributeValueText,
  attributesText,
  eventTimeIso,
  isResolution,
  sourceLabel,
  truncate,
} from './message-format.js';

export const OPSGENIE_API = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

// Field limits of the Alert API's create and close requests (https://docs.opsgenie.com/docs/alert-api and
// https://docs.opsgenie.com/docs/alerts-and-alert-fields).
export const OPSGENIE_MESSAGE_MAX = 130;
export const OPSGENIE_ALIAS_MAX = 512;
export const OPSGENIE_DESCRIPTION_MAX = 15_000;
export const OPSGENIE_TAGS_MAX = 20;
export const OPSGENIE_TAG_MAX = 50;
export const OPSGENIE_ENTITY_MAX = 512;
export const OPSGENIE_SOURCE_MAX = 100;
export const OPSGENIE_NOTE_MAX = 25_000;
/** `details` as a whole: 8,000 characters of keys and values. */
export const OPSGENIE_DETAILS_MAX = 8_000;

type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

const priorityOf: Record<Severity, Priority> = { critical: 'P1', error: 'P2', warning: 'P3', info: 'P4', ok: 'P5' };

export function opsgenieBaseUrl(spec: Record<string, unknown>): string {
  if (typeof spec.endpoint === 'string' && spec.endpoint) return spec.endpoint.replace(/\/+$/, '');
  return spec.region === 'eu' ? OPSGENIE_API.eu : OPSGENIE_API.us;
}

/** The alias of an event's alert: its dedup key, cut to what Opsgenie takes (a long key keeps a hash of its tail). */
export function opsgenieAlias(dedupKey: string): string {
  if (dedupKey.length <= OPSGENIE_ALIAS_MAX) return dedupKey;
  const hash = createHash('sha256').update(dedupKey).digest('hex').slice(0, 16);
  return `${dedupKey.slice(0, OPSGENIE_ALIAS_MAX - hash.length - 1)}~${hash}`;
}

function responder(entry: string): Record<string, string> {
  const at = entry.indexOf(':');
  const type = entry.slice(0, at);
  const value = entry.slice(at + 1);
  return type === 'user' ? { type, username: value } : { type, name: value };
}

function tagsOf(req: SendRequest): string[] {
  const e = req.event;
  const tags = [e.severity, e.source.type, ...Object.entries(e.source.tags ?? {}).map(([k, v]) => `${k}:${v}`)];
  const extra = Array.isArray(req.spec.tags) ? req.spec.tags.map(String) : [];
  const unique = [...new Set([...extra, ...tags].map((t) => truncate(t, OPSGENIE_TAG_MAX)))];
  return unique.slice(0, OPSGENIE_TAGS_MAX);
}

/** String details within the 8,000-character budget: the event's own fields first, then attributes in order. */
function detailsOf(req: SendRequest): Record<string, string> {
  const e = req.event;
  const entries: [string, string][] = [
    ['topic', e.topic],
    ['kind', e.kind],
    ['source', sourceLabel(e)],
    ['time', eventTimeIso(e)],
    ...Object.entries(e.attributes).map(([k, v]): [string, string] => [k, attributeValueText(v, 1000)]),
  ];
  const details: Record<string, string> = {};
  let used = 0;
  for (const [k, v] of entries) {
    if (used + k.length + v.length > OPSGENIE_DETAILS_MAX) break;
    details[k] = v;
    used += k.length + v.length;
  }
  return details;
}

function descriptionOf(req: SendRequest): string {
  const e = req.event;
  const attrs = attributesText(e.attributes);
  return truncate([e.text, attrs].filter(Boolean).join('\n\n') || e.title, OPSGENIE_DESCRIPTION_MAX);
}

/** The create-alert body (POST /v2/alerts). */
export function opsgenieCreateBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const body: Record<string, unknown> = {
    message: truncate(e.title, OPSGENIE_MESSAGE_MAX),
    alias: opsgenieAlias(e.dedupKey),
    description: descriptionOf(req),
    tags: tagsOf(req),
    details: detailsOf(req),
    entity: truncate(sourceLabel(e), OPSGENIE_ENTITY_MAX),
    source: truncate('Tocsin', OPSGENIE_SOURCE_MAX),
    priority: priorityOf[e.severity],
  };
  if (Array.isArray(req.spec.responders) && req.spec.responders.length)
    body.responders = req.spec.responders.map((r) => responder(String(r)));
  return body;
}

/** The close body (POST /v2/alerts/{alias}/close?identifierType=alias). */
export function opsgenieCloseBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  return { source: 'Tocsin', note: truncate([e.title, e.text].filter(Boolean).join('\n\n'), OPSGENIE_NOTE_MAX) };
}

/** The request for one event: create for a problem, close by alias for a resolution. */
export function opsgenieRequest(req: SendRequest): { url: string; body: Record<string, unknown> } {
  const base = opsgenieBaseUrl(req.spec);
  if (!isResolution(req.event)) return { url: `${base}/v2/alerts`, body: opsgenieCreateBody(req) };
  const alias = encodeURIComponent(opsgenieAlias(req.event.dedupKey));
  return { url: `${base}/v2/alerts/${alias}/close?identifierType=alias`, body: opsgenieCloseBody(req) };
}

/** `opsgenie answered 422: Request body is not processable. … (message: Message can not be empty.)`. */
export function describeOpsgenieError(res: HttpResponse): string {
  let parsed: { message?: unknown; errors?: unknown } | undefined;
  try {
    parsed = JSON.parse(res.body) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || typeof parsed.message !== 'string') {
    const text = res.body.trim().slice(0, 300);
    return `opsgenie answered ${res.status}${text ? `: ${text}` : ''}`;
  }
  const errors =
    parsed.errors && typeof parsed.errors === 'object'
      ? Object.entries(parsed.errors as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('; ')
      : '';
  const hint = res.status === 401 || res.status === 403 ? ' (check the API key and the region)' : '';
  return `opsgenie answered ${res.status}: ${parsed.message}${errors ? ` (${errors})` : ''}${hint}`;
}

export const opsgenieChannel: Channel = {
  protocol: 'opsgenie',
  // Opsgenie's limits depend on the plan (https://docs.opsgenie.com/docs/api-rate-limiting): none by default, a 429
  // is retried.
  destinationKey: (spec) =>
    `${opsgenieBaseUrl(spec)}#${createHash('sha256').update(String(spec.apiKey)).digest('hex').slice(0, 12)}`,
  async send(req) {
    const { url, body } = opsgenieRequest(req);
    return sendHttp(
      {
        url,
        headers: { 'content-type': 'application/json', authorization: `GenieKey ${String(req.spec.apiKey)}` },
        body: JSON.stringify(body),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeOpsgenieError,
    );
  },
};
