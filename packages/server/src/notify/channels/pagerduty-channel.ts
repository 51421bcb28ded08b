import { createHash } from 'node:crypto';
import type { Severity } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { eventTimeIso, isResolution, truncate } from './message-format.js';

export const PAGERDUTY_ENDPOINT = 'https://events.pagerduty.com/v2/enqueue';

type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

// PagerDuty has no "ok"; an ok event resolves, and its payload says info.
const severityMap: Record<Severity, PagerDutySeverity> = {
  critical: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
  ok: 'info',
};

function endpointOf(spec: Record<string, unknown>): string {
  return typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : PAGERDUTY_ENDPOINT;
}

/** Resolutions (see isResolution) resolve the incident; everything else triggers or adds to it. */
export function pagerdutyAction(event: Pick<SendRequest['event'], 'severity' | 'kind'>): 'trigger' | 'resolve' {
  return isResolution(event) ? 'resolve' : 'trigger';
}

/**
 * The Events API v2 body. The dedup key ties a resolution to its trigger,
 * so a monitor coming back up closes the incident its going down opened.
 */
export function pagerdutyBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const tags = e.source.tags ?? {};
  const customDetails: Record<string, unknown> = { ...e.attributes };
  if (e.text) customDetails.text = e.text;
  const payload: Record<string, unknown> = {
    summary: truncate(e.title, 1024),
    source: e.source.name,
    severity: severityMap[e.severity],
    timestamp: eventTimeIso(e),
    group: e.source.type,
    class: e.kind,
    custom_details: customDetails,
  };
  const component = tags.component ?? tags.service;
  if (component) payload.component = component;
  return {
    routing_key: String(req.spec.routingKey),
    event_action: pagerdutyAction(e),
    dedup_key: e.dedupKey,
    payload,
    client: 'Tocsin',
  };
}

/** `pagerduty answered 400 invalid event: Event object is invalid (payload.severity is invalid)`. */
export function describePagerdutyError(res: HttpResponse): string {
  let parsed: { status?: unknown; message?: unknown; errors?: unknown } | undefined;
  try {
    parsed = JSON.parse(res.body) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object') {
    const text = res.body.trim().slice(0, 300);
    return `pagerduty answered ${res.status}${text ? `: ${text}` : ''}`;
  }
  const parts = [parsed.status, parsed.message].filter((p): p is string => typeof p === 'string' && p !== '');
  const errors = Array.isArray(parsed.errors) ? parsed.errors.map(String).join('; ') : '';
  const hint = res.status === 404 ? ' (check the endpoint URL)' : '';
  const said = parts.length ? ` ${parts.join(': ')}` : '';
  return `pagerduty answered ${res.status}${said}${errors ? ` (${errors})` : ''}${hint}`;
}

export const pagerdutyChannel: Channel = {
  protocol: 'pagerduty',
  // The routing key is a credential: the key holds only a short hash of it.
  destinationKey: (spec) =>
    `${endpointOf(spec)}#${createHash('sha256').update(String(spec.routingKey)).digest('hex').slice(0, 12)}`,
  send(req) {
    return sendHttp(
      {
        url: endpointOf(req.spec),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pagerdutyBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describePagerdutyError,
    );
  },
};
