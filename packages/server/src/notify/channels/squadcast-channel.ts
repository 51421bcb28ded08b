/**
 * Squadcast through a service's incoming webhook, the Incident API v2
 * (https://developers.squadcast.com/incoming-webhooks/payload-format/): `status: trigger` opens an incident and
 * `status: resolve` resolves every incident of the same `event_id`, the event's dedup key.
 */
import { createHash } from 'node:crypto';
import type { Channel, SendRequest } from './channel.js';
import { type HttpResponse, sendHttp } from './http-sender.js';
import { attributesText, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

/** Payloads above 30 KB are refused with 413 (payload-format page); this budget leaves room for the JSON's escapes. */
export const SQUADCAST_PAYLOAD_MAX_BYTES = 30 * 1024;
/** The message is the incident's title in the UI and in notifications; no size is documented, so Tocsin's cut. */
export const SQUADCAST_MESSAGE_MAX = 500;
/**
 * Trigger (and resolve) calls a minute of the Free and Trial plans
 * (https://support.squadcast.com/terraform-and-api-documentation/incident-rate-limiting).
 */
export const SQUADCAST_FREE_PLAN_PER_MINUTE = 15;

function tagsOf(req: SendRequest): Record<string, string> {
  const e = req.event;
  return { ...e.source.tags, severity: e.severity, source: sourceLabel(e), kind: e.kind, topic: e.topic };
}

/** The description that keeps the whole body within 30 KB: cut by bytes of its JSON form, with a mark. */
function fitDescription(body: Record<string, unknown>, description: string): string {
  const size = (d: string) => Buffer.byteLength(JSON.stringify({ ...body, description: d }));
  if (size(description) <= SQUADCAST_PAYLOAD_MAX_BYTES) return description;
  let lo = 0;
  let hi = description.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(truncate(description, mid)) <= SQUADCAST_PAYLOAD_MAX_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return truncate(description, Math.max(lo, 1));
}

export function squadcastBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const body: Record<string, unknown> = {
    message: truncate(e.title, SQUADCAST_MESSAGE_MAX),
    status: isResolution(e) ? 'resolve' : 'trigger',
    event_id: e.dedupKey,
    tags: tagsOf(req),
  };
  const description = [e.text, attributesText(e.attributes), `${sourceLabel(e)} at ${eventTimeIso(e)}`]
    .filter(Boolean)
    .join('\n\n');
  return { ...body, description: fitDescription(body, description) };
}

/** `squadcast answered 401: invalid api key`. */
export function describeSquadcastError(res: HttpResponse): string {
  let said = res.body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(res.body) as { message?: unknown; meta?: { error_message?: unknown } };
    const message = parsed?.meta?.error_message ?? parsed?.message;
    if (typeof message === 'string' && message) said = message;
  } catch {
    // Not JSON: the text as it came.
  }
  const hint = res.status === 404 || res.status === 401 ? ' (check the webhook URL)' : '';
  return `squadcast answered ${res.status}${said ? `: ${said}` : ''}${hint}`;
}

export const squadcastChannel: Channel = {
  protocol: 'squadcast',
  // The Free plan's 15 trigger calls a minute; a larger plan raises the subscription's rateLimit.
  defaultRateLimit: SQUADCAST_FREE_PLAN_PER_MINUTE / 60,
  // The URL holds the key: the budget is keyed by its origin and a hash of the whole.
  destinationKey: (spec) => {
    const url = String(spec.endpoint);
    const origin = URL.canParse(url) ? new URL(url).origin : 'squadcast';
    return `${origin}#${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
  },
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(squadcastBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeSquadcastError,
    );
  },
};
