/**
 * A Prometheus alert as a Tocsin event: kind `alert.firing` or `alert.resolved`, severity from the `severity`
 * label, title from the summary (or alertname), text from the description, labels as source tags, and the
 * fingerprint as dedup key, so that a paging channel closes the incident its firing opened.
 */
import type { EventInput, Severity } from '@tocsin/protocol';
import type { Labels } from './alert-matchers.js';

const TITLE_MAX = 512;
const TEXT_MAX = 65_536;

/** The `severity` label's usual values, mapped to Tocsin's severities; an unknown or missing one is `warning`. */
const severityWords: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  p1: 'critical',
  high: 'error',
  error: 'error',
  err: 'error',
  major: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  low: 'info',
  none: 'info',
  notice: 'info',
  p4: 'info',
  p5: 'info',
};

export function severityOf(labels: Labels): Severity {
  return severityWords[(labels.severity ?? '').trim().toLowerCase()] ?? 'warning';
}

/** What an event is made from: one alert as a route holds it. */
export interface HeldAlert {
  route: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl: string | null;
  startsAt: number;
  endsAt: number;
  /** The labels of its group (the route's groupBy). */
  group: Record<string, string>;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function dedupKeyOf(fingerprint: string): string {
  return `prometheus:${fingerprint}`;
}

export function alertEvent(a: HeldAlert, kind: 'firing' | 'resolved', now: number): EventInput {
  const name = a.labels.alertname || a.fingerprint;
  const title = a.annotations.summary?.trim() || name;
  return {
    kind: `alert.${kind}`,
    severity: kind === 'firing' ? severityOf(a.labels) : 'ok',
    source: { type: 'prometheus', name: cut(name, 256), tags: { ...a.labels } },
    title: cut(title, TITLE_MAX),
    text: cut(a.annotations.description ?? '', TEXT_MAX),
    attributes: {
      fingerprint: a.fingerprint,
      route: a.route,
      group: a.group,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      ...(kind === 'resolved' ? { endsAt: new Date(Math.min(a.endsAt, now)).toISOString() } : {}),
      ...(a.generatorUrl ? { generatorURL: a.generatorUrl } : {}),
    },
    dedupKey: dedupKeyOf(a.fingerprint),
    time: kind === 'firing' ? Math.max(0, Math.min(a.startsAt, now)) : Math.max(0, Math.min(a.endsAt, now)),
  };
}
