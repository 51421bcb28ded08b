import type { EventInput } from '@tocsin/protocol';
import { formatDuration } from '../core/durations.js';
import { redactUrl } from './monitor-input.js';
import type { Announcement } from './monitor-state.js';
import type { Monitor } from './monitor-types.js';

/** What a monitor checks, in a few words: its URL (without its password), host:port or DNS query. */
export function targetOf(m: Monitor): string {
  const p = m.probe as Record<string, unknown>;
  if (typeof p.url === 'string') return redactUrl(p.url);
  if (m.type === 'dns') return `${p.query} ${p.recordType ?? 'A'}`;
  if (p.host !== undefined) return `${p.host}:${p.port ?? 443}`;
  return m.name;
}

/**
 * The event of an announcement. The dedup key names the outage (monitor id
 * and when its failing streak began), so a reminder and the recovery close
 * the same incident in PagerDuty.
 */
export function monitorEvent(
  m: Monitor,
  a: Announcement,
  failingSince: number | null,
  details: { statusCode?: number; latencyMs: number; failedLocations?: string[] },
): EventInput {
  const source = { type: 'monitor', name: m.name, tags: m.tags };
  const target = targetOf(m);
  const dedupKey = `monitor/${m.id}/${failingSince ?? 0}`;
  const attributes: Record<string, unknown> = { monitor: m.name, type: m.type, target, latencyMs: details.latencyMs };
  if (details.statusCode !== undefined) attributes.statusCode = details.statusCode;
  if (details.failedLocations) attributes.failedLocations = details.failedLocations;
  if (a.kind === 'monitor.down') {
    attributes.reason = a.reason;
    attributes.failingSince = new Date(a.failingSince).toISOString();
    if (a.reminder) attributes.reminder = true;
    return {
      kind: 'monitor.down',
      severity: 'critical',
      source,
      title: `${m.name} is down${a.reminder ? ' (still)' : ''}`,
      text: `${target}: ${a.reason}`,
      attributes,
      dedupKey,
    };
  }
  attributes.downForMs = a.downForMs;
  return {
    kind: 'monitor.up',
    severity: 'ok',
    source,
    title: `${m.name} is up again`,
    text: `${target} recovered after ${formatDuration(a.downForMs)}: ${a.reason}`,
    attributes,
    dedupKey,
  };
}
