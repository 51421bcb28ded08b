/**
 * Splunk On-Call (VictorOps) through the REST endpoint integration
 * (https://help.splunk.com/en/splunk-observability-cloud/splunk-on-call/integrations/rest-endpoint-integration-guide):
 * POST {endpoint}/{apiKey}/{routingKey}. The event's dedup key is the `entity_id`, so a RECOVERY resolves the
 * incident its CRITICAL opened. The endpoint answers `{"result":"success","entity_id":…}` or
 * `{"result":"failure","message":…}`.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { type HttpResponse, sendHttp } from './http-sender.js';
import { attributesText, isResolution, sourceLabel, truncate } from './message-format.js';

export const VICTOROPS_ENDPOINT = 'https://alert.victorops.com/integrations/generic/20131114/alert';

// The REST endpoint documents no field sizes; these keep one alert readable on the timeline and far below any
// proxy's body limit. The display name is what the timeline shows as the incident's title.
export const VICTOROPS_DISPLAY_NAME_MAX = 1_000;
export const VICTOROPS_STATE_MESSAGE_MAX = 20_000;
export const VICTOROPS_ENTITY_ID_MAX = 1_000;

type MessageType = 'CRITICAL' | 'WARNING' | 'INFO' | 'RECOVERY';

// CRITICAL pages; WARNING opens an incident only where the account is set to; INFO is a timeline entry.
const messageTypes: Record<Severity, MessageType> = {
  critical: 'CRITICAL',
  error: 'CRITICAL',
  warning: 'WARNING',
  info: 'INFO',
  ok: 'RECOVERY',
};

export function victoropsMessageType(event: Pick<SendRequest['event'], 'severity' | 'kind'>): MessageType {
  return isResolution(event) ? 'RECOVERY' : messageTypes[event.severity];
}

function endpointOf(spec: Record<string, unknown>): string {
  const base = typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : VICTOROPS_ENDPOINT;
  return base.replace(/\/+$/, '');
}

export function victoropsUrl(spec: Record<string, unknown>): string {
  const key = encodeURIComponent(String(spec.apiKey));
  return `${endpointOf(spec)}/${key}/${encodeURIComponent(String(spec.routingKey))}`;
}

export function victoropsBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const stateMessage = [e.text, attributesText(e.attributes)].filter(Boolean).join('\n\n') || e.title;
  return {
    message_type: victoropsMessageType(e),
    entity_id: truncate(e.dedupKey, VICTOROPS_ENTITY_ID_MAX),
    entity_display_name: truncate(e.title, VICTOROPS_DISPLAY_NAME_MAX),
    state_message: truncate(stateMessage, VICTOROPS_STATE_MESSAGE_MAX),
    state_start_time: Math.floor(e.time / 1000),
    monitoring_tool: 'Tocsin',
    tocsin_topic: e.topic,
    tocsin_kind: e.kind,
    tocsin_source: sourceLabel(e),
    tocsin_severity: e.severity,
  };
}

function parsed(res: HttpResponse): { result?: unknown; message?: unknown } | undefined {
  try {
    const v = JSON.parse(res.body) as unknown;
    return v && typeof v === 'object' ? (v as { result?: unknown; message?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** `victorops answered 400 failure: Missing fields: message_type`. */
export function describeVictoropsError(res: HttpResponse): string {
  const body = parsed(res);
  if (body && typeof body.message === 'string') {
    const result = typeof body.result === 'string' ? ` ${body.result}` : '';
    return `victorops answered ${res.status}${result}: ${body.message}`;
  }
  const text = res.body.trim().slice(0, 300);
  const hint = res.status === 404 ? ' (check the API key and the endpoint)' : '';
  return `victorops answered ${res.status}${text ? `: ${text}` : ''}${hint}`;
}

export const victoropsChannel: Channel = {
  protocol: 'victorops',
  // No documented rate limit for the REST endpoint; a 429 would be retried. The keys are kept as a hash.
  destinationKey: (spec) =>
    `${endpointOf(spec)}#${createHash('sha256')
      .update(`${String(spec.apiKey)}/${String(spec.routingKey)}`)
      .digest('hex')
      .slice(0, 12)}`,
  send(req): Promise<SendOutcome> {
    return sendHttp(
      {
        url: victoropsUrl(req.spec),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(victoropsBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeVictoropsError,
      (res) => (parsed(res)?.result === 'failure' ? describeVictoropsError(res) : undefined),
    );
  },
};
