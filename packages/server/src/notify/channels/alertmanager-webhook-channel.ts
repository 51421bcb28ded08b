/**
 * The Alertmanager-format webhook (`alertmanager_webhook`): the JSON that Alertmanager's webhook receiver POSTs
 * (version "4", https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), one alert per event.
 * Alertmanager documents no size or rate limit for its receivers: texts keep the event's own limits.
 */
import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { eventTimeIso, isResolution } from './message-format.js';

/** The payload version of Alertmanager's webhook receiver. */
const PAYLOAD_VERSION = '4';
/** Go's zero time: what Alertmanager sends as the `endsAt` of a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerMessage {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** A Prometheus label name from any text: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function labelName(text: string): string {
  const name = text.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(name) ? name : `_${name}`;
}

/** Alertmanager's fingerprints are 64-bit hashes in hex; this one is stable per dedup key. */
export function fingerprintOf(dedupKey: string): string {
  return createHash('sha256').update(dedupKey).digest('hex').slice(0, 16);
}

function labelsOf(e: TocsinEvent): Record<string, string> {
  const labels: Record<string, string> = {};
  // Tags first: Tocsin's own labels win over a tag of the same name.
  for (const [k, v] of Object.entries(e.source.tags)) labels[labelName(k)] = v;
  labels.alertname = e.source.type === 'manual' ? e.kind : e.source.name;
  labels.severity = e.severity;
  labels.kind = e.kind;
  labels.source_type = e.source.type;
  labels.source_name = e.source.name;
  labels.topic = e.topic;
  return labels;
}

export function alertOf(e: TocsinEvent, externalURL: string): AlertmanagerAlert {
  const resolved = isResolution(e);
  const annotations: Record<string, string> = { summary: e.title };
  if (e.text) annotations.description = e.text;
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: labelsOf(e),
    annotations,
    startsAt: eventTimeIso(e),
    endsAt: resolved ? eventTimeIso(e) : ZERO_TIME,
    generatorURL: externalURL,
    fingerprint: fingerprintOf(e.dedupKey),
  };
}

/** The pairs every record has with the same value. */
function common(records: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = records;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((r) => r[k] === v)));
}

/** Tocsin's public URL, from the unsubscribe link (`{publicUrl}/unsubscribe/{token}`); '' when there is none. */
function externalUrlOf(req: SendRequest): string {
  const link = req.links.unsubscribe;
  const at = link.lastIndexOf('/unsubscribe/');
  return at > 0 ? link.slice(0, at) : '';
}

/** Alertmanager's group key: the route's matchers, then the group labels (`{}:{alertname="api"}`). */
function groupKeyOf(receiver: string, groupLabels: Record<string, string>): string {
  const labels = Object.entries(groupLabels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `{}/{receiver=${JSON.stringify(receiver)}}:{${labels.join(', ')}}`;
}

/** The message for one delivery: one alert per event of a group (the latest of each fingerprint). */
export function alertmanagerMessage(req: SendRequest): AlertmanagerMessage {
  const externalURL = externalUrlOf(req);
  const events = req.group && req.group.length > 0 ? req.group : [req.event];
  const byFingerprint = new Map<string, AlertmanagerAlert>();
  for (const e of events) {
    const alert = alertOf(e, externalURL);
    byFingerprint.delete(alert.fingerprint);
    byFingerprint.set(alert.fingerprint, alert);
  }
  const all = [...byFingerprint.values()];
  const max = Number(req.spec.maxAlerts ?? 0);
  const alerts = max > 0 ? all.slice(0, max) : all;
  const commonLabels = common(all.map((a) => a.labels));
  const groupLabels: Record<string, string> = commonLabels.alertname ? { alertname: commonLabels.alertname } : {};
  return {
    version: PAYLOAD_VERSION,
    groupKey: groupKeyOf(req.subscriptionName, groupLabels),
    truncatedAlerts: all.length - alerts.length,
    status: all.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: req.subscriptionName,
    groupLabels,
    commonLabels,
    commonAnnotations: common(all.map((a) => a.annotations)),
    externalURL,
    alerts,
  };
}

function authHeaders(spec: Record<string, unknown>): Record<string, string> {
  if (typeof spec.bearerToken === 'string') return { authorization: `Bearer ${spec.bearerToken}` };
  if (typeof spec.username === 'string' && typeof spec.password === 'string') {
    const basic = Buffer.from(`${spec.username}:${spec.password}`).toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

export function describeAlertmanagerError(res: HttpResponse): string {
  const detail = res.body.trim().slice(0, 300);
  const meaning = res.status === 401 || res.status === 403 ? ' (the receiver refused the credentials: check them)' : '';
  return `the receiver answered ${res.status}${meaning}${detail ? `: ${detail}` : ''}`;
}

export const alertmanagerWebhookChannel: Channel = {
  protocol: 'alertmanager_webhook',
  destinationKey: (spec) => String(spec.endpoint),
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json', ...authHeaders(req.spec) },
        body: JSON.stringify(alertmanagerMessage(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeAlertmanagerError,
    );
  },
};
