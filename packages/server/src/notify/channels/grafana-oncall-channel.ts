/**
 * Grafana OnCall (Grafana IRM) through a Formatted Webhook integration
 * (https://grafana.com/docs/oncall/latest/integrations/webhook/): `alert_uid` groups an alert's messages (the
 * event's dedup key), `state: ok` resolves the alert group that `state: alerting` opened.
 */
import { createHash } from 'node:crypto';
import type { Channel, SendRequest } from './channel.js';
import { type HttpResponse, sendHttp } from './http-sender.js';
import { attributesText, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

/**
 * Alerts a minute an integration takes: 300 in 5 minutes
 * (https://grafana.com/docs/grafana-cloud/alerting-and-irm/irm/reference/rate-limits/).
 */
export const GRAFANA_ONCALL_ALERTS_PER_SECOND = 300 / (5 * 60);
// The webhook documents no field sizes; these keep an alert group readable in Slack and the mobile app.
export const GRAFANA_ONCALL_TITLE_MAX = 500;
export const GRAFANA_ONCALL_MESSAGE_MAX = 20_000;

function httpUrl(value: unknown): string | undefined {
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
}

export function grafanaOncallBody(req: SendRequest): Record<string, unknown> {
  const e = req.event;
  const lines = [e.text, attributesText(e.attributes), `${sourceLabel(e)} · ${e.severity} · ${eventTimeIso(e)}`];
  const body: Record<string, unknown> = {
    alert_uid: e.dedupKey,
    title: truncate(`[${eventLook(e).label}] ${e.title}`, GRAFANA_ONCALL_TITLE_MAX),
    state: isResolution(e) ? 'ok' : 'alerting',
    message: truncate(lines.filter(Boolean).join('\n\n'), GRAFANA_ONCALL_MESSAGE_MAX),
    severity: e.severity,
    kind: e.kind,
    topic: e.topic,
    source: { ...e.source },
  };
  const image = httpUrl(e.attributes.imageUrl) ?? httpUrl(e.attributes.image_url);
  if (image) body.image_url = image;
  const link = httpUrl(e.attributes.link) ?? httpUrl(e.attributes.url);
  if (link) body.link_to_upstream_details = link;
  return body;
}

/** `grafana_oncall answered 403: Integration is disabled`. */
export function describeGrafanaOncallError(res: HttpResponse): string {
  let said = res.body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(res.body) as { detail?: unknown; message?: unknown };
    const message = parsed?.detail ?? parsed?.message;
    if (typeof message === 'string' && message) said = message;
  } catch {
    // Not JSON: the text as it came.
  }
  const hint = res.status === 404 ? ' (check the integration URL)' : '';
  return `grafana_oncall answered ${res.status}${said ? `: ${said}` : ''}${hint}`;
}

export const grafanaOncallChannel: Channel = {
  protocol: 'grafana_oncall',
  defaultRateLimit: GRAFANA_ONCALL_ALERTS_PER_SECOND,
  // The URL holds the integration's token: the budget is keyed by its origin and a hash of the whole.
  destinationKey: (spec) => {
    const url = String(spec.endpoint);
    const origin = URL.canParse(url) ? new URL(url).origin : 'grafana_oncall';
    return `${origin}#${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
  },
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(grafanaOncallBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeGrafanaOncallError,
    );
  },
};
