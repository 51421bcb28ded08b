import { monitorCommonSchema, probeSpecSchema, splitMonitorInput, type FieldIssue } from '@tocsin/protocol';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import type { Monitor } from './monitor-types.js';

/** A validated monitor, before it has an id. */
export type ParsedMonitor = Omit<Monitor, 'id' | 'num' | 'type' | 'createdAt' | 'updatedAt'>;

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Validates a monitor given as the common fields and its probe's fields side
 * by side; reports every problem with its field path (under `prefix`).
 */
export function parseMonitorInput(input: unknown, prefix = ''): ParsedMonitor {
  const at = (p: string) => (prefix ? `${prefix}.${p}` : p);
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid([{ path: prefix, message: 'a monitor is an object' }]);
  const { common, probe } = splitMonitorInput(input as Record<string, unknown>);
  const issues: FieldIssue[] = [];
  const c = monitorCommonSchema.safeParse(common);
  if (!c.success) issues.push(...fieldIssuesOf(c.error.issues, prefix));
  if (probe.type === undefined) issues.push({ path: at('type'), message: 'the probe type is required: http, tcp, dns or tls' });
  const p = probeSpecSchema.safeParse(probe);
  if (!p.success && probe.type !== undefined) issues.push(...fieldIssuesOf(p.error.issues, prefix));
  if (!c.success || !p.success || issues.length) throw invalid(issues);
  const d = c.data;
  const timeoutMs = d.timeout ?? Math.min(DEFAULT_TIMEOUT_MS, d.interval);
  if (timeoutMs > d.interval) throw invalid([{ path: at('timeout'), message: `must not be longer than the interval (${d.interval / 1000}s)` }]);
  return {
    name: d.name,
    description: d.description ?? null,
    probe: p.data as ParsedMonitor['probe'],
    intervalMs: d.interval,
    timeoutMs,
    failureThreshold: d.failureThreshold,
    successThreshold: d.successThreshold,
    retryIntervalMs: d.retryInterval ?? null,
    reminderMs: d.reminder ?? null,
    topics: d.topics,
    tags: d.tags,
    paused: d.paused,
  };
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** A monitor as a config file or API body writes it (the inverse of parseMonitorInput). */
export function monitorSpecOf(m: Monitor): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name };
  if (m.description) out.description = m.description;
  Object.assign(out, m.probe);
  out.interval = seconds(m.intervalMs);
  out.timeout = seconds(m.timeoutMs);
  if (m.failureThreshold !== 1) out.failureThreshold = m.failureThreshold;
  if (m.successThreshold !== 1) out.successThreshold = m.successThreshold;
  if (m.retryIntervalMs !== null) out.retryInterval = seconds(m.retryIntervalMs);
  if (m.reminderMs !== null) out.reminder = seconds(m.reminderMs);
  if (m.topics.length) out.topics = m.topics;
  if (Object.keys(m.tags).length) out.tags = m.tags;
  if (m.paused) out.paused = true;
  return out;
}
