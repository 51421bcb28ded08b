import { createHash } from 'node:crypto';
import type { Severity } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { isResolution, truncate } from './message-format.js';
import { truncateBytes } from './message-format.js';
import { pushBody, pushTitle } from './push-message.js';

// https://docs.ntfy.sh/publish/#limitations: a message of more than 4,096 bytes becomes an attachment; Tocsin cuts
// it instead, so the notification shows the text.
export const NTFY_MESSAGE_MAX_BYTES = 4096;
/** ntfy documents no title limit; a notification shows one line of it. */
const TITLE_MAX = 250;
// https://docs.ntfy.sh/publish/#limitations: requests per visitor refill one every 5 seconds (a burst of 60).
const NTFY_REQUESTS_PER_SECOND = 0.2;

/** ntfy's priorities: 1 min, 2 low, 3 default, 4 high, 5 max (https://docs.ntfy.sh/publish/#message-priority). */
const priorities: Record<Severity, number> = { critical: 5, error: 4, warning: 3, info: 3, ok: 2 };
const RESOLUTION_PRIORITY = 2;

/** Tags that are emoji short codes show as emoji before the title. */
const severityTags: Record<Severity, string> = {
  critical: 'rotating_light',
  error: 'red_circle',
  warning: 'warning',
  info: 'information_source',
  ok: 'white_check_mark',
};

/**
 * ntfy's codes of a 429 that waiting minutes will not cure: the daily message quota (42908) and too many failed
 * logins (42909). Too many requests (42901) is retried.
 */
const FINAL_429_CODES = new Set([42908, 42909]);

function serverOf(spec: Record<string, unknown>): string {
  return (typeof spec.server === 'string' && spec.server ? spec.server : 'https://ntfy.sh').replace(/\/+$/, '');
}

/** The JSON published to the server's root (https://docs.ntfy.sh/publish/#publish-as-json). */
export function ntfyBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const resolved = isResolution(e);
  const extraTags = Array.isArray(req.spec.tags) ? req.spec.tags.map(String) : [];
  const body: Record<string, unknown> = {
    topic: String(req.spec.topic),
    title: truncate(pushTitle(e), TITLE_MAX),
    message: truncateBytes(pushBody(req), NTFY_MESSAGE_MAX_BYTES),
    priority: resolved ? RESOLUTION_PRIORITY : priorities[e.severity],
    tags: [resolved ? severityTags.ok : severityTags[e.severity], ...extraTags],
  };
  if (typeof req.spec.click === 'string' && req.spec.click) body.click = req.spec.click;
  return body;
}

function authHeader(spec: Record<string, unknown>): Record<string, string> {
  if (typeof spec.accessToken === 'string' && spec.accessToken) return { authorization: `Bearer ${spec.accessToken}` };
  if (typeof spec.username === 'string' && typeof spec.password === 'string') {
    return { authorization: `Basic ${Buffer.from(`${spec.username}:${spec.password}`).toString('base64')}` };
  }
  return {};
}

/** ntfy's error body: `{"code":40301,"http":403,"error":"forbidden","link":"…"}`. */
function ntfyError(res: HttpResponse): { code?: number; error?: string } {
  try {
    const parsed = JSON.parse(res.body) as { code?: unknown; error?: unknown };
    return {
      code: typeof parsed.code === 'number' ? parsed.code : undefined,
      error: typeof parsed.error === 'string' ? parsed.error : undefined,
    };
  } catch {
    return {};
  }
}

/** `ntfy answered 403 40301: forbidden`. */
export function describeNtfyError(res: HttpResponse): string {
  const { code, error } = ntfyError(res);
  if (code !== undefined || error) return `ntfy answered ${res.status}${code ? ` ${code}` : ''}: ${error ?? ''}`.trim();
  const text = res.body.trim().slice(0, 300);
  return `ntfy answered ${res.status}${text ? `: ${text}` : ''}`;
}

export const ntfyChannel: Channel = {
  protocol: 'ntfy',
  defaultRateLimit: NTFY_REQUESTS_PER_SECOND,
  // ntfy limits each visitor (an account, or the address): the server and credentials share a budget.
  destinationKey: (spec) => {
    const who = JSON.stringify([spec.accessToken ?? null, spec.username ?? null, spec.password ?? null]);
    return `${serverOf(spec)}#${createHash('sha256').update(who).digest('hex').slice(0, 12)}`;
  },
  async send(req) {
    let code: number | undefined;
    const outcome = await sendHttp(
      {
        url: `${serverOf(req.spec)}/`,
        headers: { 'content-type': 'application/json', ...authHeader(req.spec) },
        body: JSON.stringify(ntfyBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      (res) => {
        code = ntfyError(res).code;
        return describeNtfyError(res);
      },
    );
    if (!outcome.ok && code !== undefined && FINAL_429_CODES.has(code)) return { ...outcome, retryable: false };
    return outcome;
  },
};
