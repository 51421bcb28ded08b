import { createHash } from 'node:crypto';
import type { Severity } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { isResolution, truncate } from './message-format.js';
import { pushBody, pushTitle } from './push-message.js';

export const PUSHOVER_ENDPOINT = 'https://api.pushover.net/1/messages.json';

// https://pushover.net/api#limits: a message of 1,024 characters, a title of 250, a URL of 512, its title 100.
export const PUSHOVER_MESSAGE_MAX = 1024;
export const PUSHOVER_TITLE_MAX = 250;
export const PUSHOVER_URL_MAX = 512;
// https://pushover.net/api#priority: emergency messages repeat every `retry` seconds (30 at least) for `expire`.
const DEFAULT_RETRY_SECONDS = 60;
const DEFAULT_EXPIRE_SECONDS = 3600;
// https://pushover.net/api ("Being friendly to our API"): messages one after another, never bursts in parallel.
const PUSHOVER_REQUESTS_PER_SECOND = 2;

/** -2 lowest, -1 low (no sound), 0 normal, 1 high (through quiet hours), 2 emergency (repeats until acknowledged). */
const priorities: Record<Severity, number> = { critical: 1, error: 1, warning: 0, info: 0, ok: -1 };
const RESOLUTION_PRIORITY = -1;
const EMERGENCY = 2;

function endpointOf(spec: Record<string, unknown>): string {
  return typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : PUSHOVER_ENDPOINT;
}

/** Emergency messages carry this tag, so the resolution can cancel their repeats (`cancel_by_tag`). */
export function pushoverTag(dedupKey: string): string {
  return `tocsin-${createHash('sha256').update(dedupKey).digest('hex').slice(0, 16)}`;
}

function emergencyOn(req: SendRequest): boolean {
  return req.spec.emergency === true && !isResolution(req.event) && req.event.severity === 'critical' && !req.group;
}

/** The JSON of messages.json. */
export function pushoverBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const spec = req.spec;
  const body: Record<string, unknown> = {
    token: String(spec.token),
    user: String(spec.user),
    title: truncate(pushTitle(e), PUSHOVER_TITLE_MAX),
    message: truncate(pushBody(req), PUSHOVER_MESSAGE_MAX),
    priority: isResolution(e) ? RESOLUTION_PRIORITY : priorities[e.severity],
    timestamp: Math.floor(e.time / 1000),
  };
  if (emergencyOn(req)) {
    body.priority = EMERGENCY;
    body.retry = typeof spec.emergencyRetry === 'number' ? spec.emergencyRetry : DEFAULT_RETRY_SECONDS;
    body.expire = typeof spec.emergencyExpire === 'number' ? spec.emergencyExpire : DEFAULT_EXPIRE_SECONDS;
    body.tags = pushoverTag(e.dedupKey);
  }
  const url = e.attributes.url;
  if (typeof url === 'string' && /^https?:\/\//.test(url) && url.length <= PUSHOVER_URL_MAX) body.url = url;
  if (Array.isArray(spec.devices) && spec.devices.length > 0) body.device = spec.devices.join(',');
  if (typeof spec.sound === 'string' && spec.sound) body.sound = spec.sound;
  return body;
}

/** Pushover's error body: `{"user":"invalid","errors":["user identifier is not a valid user"],"status":0}`. */
export function describePushoverError(res: HttpResponse): string {
  if (res.status === 429) return 'pushover answered 429: the application is over its monthly message limit';
  try {
    const parsed = JSON.parse(res.body) as { errors?: unknown };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return `pushover answered ${res.status}: ${parsed.errors.map(String).join('; ')}`;
    }
  } catch {
    // not JSON: quoted below
  }
  const text = res.body.trim().slice(0, 300);
  return `pushover answered ${res.status}${text ? `: ${text}` : ''}`;
}

function post(url: string, body: Record<string, unknown>, req: SendRequest): Promise<SendOutcome> {
  return sendHttp(
    {
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: req.timeoutMs,
      origin: req.origin,
    },
    describePushoverError,
  );
}

/** Where `cancel_by_tag` lives, beside messages.json: /1/receipts/cancel_by_tag/{tag}.json. */
export function pushoverCancelUrl(endpoint: string, tag: string): string {
  return new URL(`receipts/cancel_by_tag/${tag}.json`, endpoint).toString();
}

export const pushoverChannel: Channel = {
  protocol: 'pushover',
  defaultRateLimit: PUSHOVER_REQUESTS_PER_SECOND,
  destinationKey: (spec) =>
    `${endpointOf(spec)}#${createHash('sha256').update(String(spec.token)).digest('hex').slice(0, 12)}`,
  async send(req) {
    const endpoint = endpointOf(req.spec);
    if (req.spec.emergency === true && isResolution(req.event) && !req.group) {
      // The problem is over: stop the repeats of its emergency message (nothing to cancel is not an error).
      const cancel = await post(
        pushoverCancelUrl(endpoint, pushoverTag(req.event.dedupKey)),
        { token: String(req.spec.token) },
        req,
      );
      if (!cancel.ok && cancel.retryable) return cancel;
    }
    const outcome = await post(endpoint, pushoverBody(req), req);
    // Over the monthly limit: retrying within the day will not help (the limit resets on the 1st).
    if (!outcome.ok && outcome.status === 429) return { ...outcome, retryable: false };
    return outcome;
  },
};
