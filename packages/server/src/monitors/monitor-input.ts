import {
  REDACTED,
  monitorCommonSchema,
  printDuration,
  probeSpecSchema,
  splitMonitorInput,
  type FieldIssue,
  type ObjectProbeSpec,
} from '@tocsin/protocol';
import { cronProblem } from '../core/cron-expression.js';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { isValidTimeZone } from '../core/time-zones.js';
import { dateTemplateProblem } from '../core/zoned-dates.js';
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
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw invalid([{ path: prefix, message: 'a monitor is an object' }]);
  const { common, probe } = splitMonitorInput(input as Record<string, unknown>);
  const issues: FieldIssue[] = [];
  const c = monitorCommonSchema.safeParse(common);
  if (!c.success) issues.push(...fieldIssuesOf(c.error.issues, prefix));
  if (probe.type === undefined)
    issues.push({ path: at('type'), message: 'the probe type is required: http, tcp, dns, tls or object' });
  const p = probeSpecSchema.safeParse(probe);
  if (!p.success && probe.type !== undefined) issues.push(...fieldIssuesOf(p.error.issues, prefix));
  if (p.success && p.data.type === 'object') issues.push(...objectProblems(p.data, at));
  if (p.success && c.success && c.data.locations && p.data.type === 'object')
    issues.push({ path: at('locations'), message: 'object checks run on the server only: remove locations' });
  if (!c.success || !p.success || issues.length) throw invalid(issues);
  const d = c.data;
  const timeoutMs = d.timeout ?? Math.min(DEFAULT_TIMEOUT_MS, d.interval);
  if (timeoutMs > d.interval)
    throw invalid([{ path: at('timeout'), message: `must not be longer than the interval (${d.interval / 1000}s)` }]);
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
    locations: d.locations ?? null,
  };
}

/** What the protocol schema leaves to the server: the time zone, the cron expression and the dated names. */
function objectProblems(o: ObjectProbeSpec, at: (path: string) => string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isValidTimeZone(o.timezone))
    issues.push({ path: at('timezone'), message: `'${o.timezone}' is not an IANA time zone such as Asia/Tokyo` });
  else if (o.cron !== undefined) {
    const problem = cronProblem(o.cron, o.timezone);
    if (problem) issues.push({ path: at(problem.field), message: problem.message });
  }
  for (const field of ['key', 'path'] as const) {
    const problem = o[field] === undefined ? null : dateTemplateProblem(o[field]);
    if (problem) issues.push({ path: at(field), message: problem });
  }
  return issues;
}

const seconds = (ms: number) => printDuration(ms, 'm');

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
  if (m.locations) out.locations = m.locations;
  return out;
}

/** A stored probe as today's schema names its fields (DNS probes once kept their query in `name`). */
export function upgradeStoredProbe(probe: Monitor['probe']): Monitor['probe'] {
  if (probe.type !== 'dns' || probe.query !== undefined || typeof probe.name !== 'string') return probe;
  const { name, ...rest } = probe;
  return { ...rest, query: name };
}

/** `scheme://user:` + password + `@host/…`, split around the password as written; undefined without one. */
function splitUrlPassword(url: string): { before: string; password: string; after: string } | undefined {
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const rest = url.slice(start + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return undefined;
  const offset = start + 3;
  return {
    before: url.slice(0, offset + colon + 1),
    password: authority.slice(colon + 1, at),
    after: url.slice(offset + at),
  };
}

/** A URL with its password (if any) printed as the redaction marker, as `auth.password` is. */
export function redactUrl(url: string): string {
  const parts = splitUrlPassword(url);
  return parts && parts.password !== '' ? parts.before + REDACTED + parts.after : url;
}

/** A URL whose password is the redaction marker takes the stored URL's password. */
export function keepUrlPassword(incoming: string, stored: string): string {
  const parts = splitUrlPassword(incoming);
  if (!parts || (parts.password !== REDACTED && parts.password !== encodeURIComponent(REDACTED))) return incoming;
  const kept = splitUrlPassword(stored);
  return kept ? parts.before + kept.password + parts.after : incoming;
}
