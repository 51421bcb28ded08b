/**
 * How a Tocsin heartbeat looks through the Healthchecks Management API v3:
 * the request body a client sends (`hcSpecSchema`, with Healthchecks' own
 * error messages) and the check, ping, flip and channel objects it reads.
 *
 * Mapping: uuid = the heartbeat's ping UUID; timeout = period, or schedule +
 * tz = cron + timezone; grace = grace; desc = description; manual_resume =
 * manualResume; tags "a b=c" = tags { a: "", b: "c" }; name = displayName
 * (or the name when it needs none); channels = topics. Statuses: NEW new,
 * UP up, LATE grace, DOWN down, PAUSED paused; STARTED is the status before
 * the run began with `started: true`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isValidTimeZone } from '../core/time-zones.js';
import type { HeartbeatEntry } from './heartbeat-registry.js';

const MIN_SECONDS = 60;
const MAX_SECONDS = 31_536_000;

function text(field: string, max?: number) {
  const s = z.string({ error: `${field} is not a string` });
  return max === undefined ? s : s.max(max, `${field} is too long`);
}

function seconds(field: string) {
  return z
    .number({ error: `${field} is not a number` })
    .int(`${field} is not a number`)
    .min(MIN_SECONDS, `${field} is too small`)
    .max(MAX_SECONDS, `${field} is too large`);
}

const flag = (field: string) => z.boolean({ error: `${field} is not a boolean` });
const keyword = (field: string) => text(field, 200);

/** Healthchecks' create/update body; every field optional, unknown fields ignored (as `api_key`). */
export const hcSpecSchema = z.object({
  name: text('name', 100).optional(),
  slug: text('slug', 100)
    .regex(/^[a-z0-9_-]*$/, 'slug does not match pattern')
    .optional(),
  tags: text('tags').optional(),
  desc: text('desc', 1024).optional(),
  timeout: seconds('timeout').optional(),
  grace: seconds('grace').optional(),
  schedule: text('schedule', 100).optional(),
  tz: text('tz')
    .refine((tz) => isValidTimeZone(tz), 'tz is not a valid timezone')
    .optional(),
  manual_resume: flag('manual_resume').optional(),
  methods: z.enum(['', 'POST'], { error: 'methods has unexpected value' }).optional(),
  channels: text('channels').optional(),
  unique: z
    .array(
      z.enum(['name', 'slug', 'tags', 'timeout', 'grace'], { error: "an item in 'unique' has unexpected value" }),
      { error: 'unique is not an array' },
    )
    .optional(),
  subject: keyword('subject').optional(),
  subject_fail: keyword('subject_fail').optional(),
  start_kw: keyword('start_kw').optional(),
  success_kw: keyword('success_kw').optional(),
  failure_kw: keyword('failure_kw').optional(),
  filter_subject: flag('filter_subject').optional(),
  filter_body: flag('filter_body').optional(),
  filter_http_body: flag('filter_http_body').optional(),
  filter_default_fail: flag('filter_default_fail').optional(),
});

export type HcSpec = z.infer<typeof hcSpecSchema>;

/** Fields Tocsin accepts only at their "off" value: keyword filtering and POST-only pings do not exist here. */
const UNSUPPORTED: [keyof HcSpec, unknown, string][] = [
  ['methods', '', 'Tocsin counts pings made with any method'],
  ['subject', '', 'Tocsin has no email pings or keyword filters'],
  ['subject_fail', '', 'Tocsin has no email pings or keyword filters'],
  ['start_kw', '', 'Tocsin has no keyword filters'],
  ['success_kw', '', 'Tocsin has no keyword filters'],
  ['failure_kw', '', 'Tocsin has no keyword filters'],
  ['filter_subject', false, 'Tocsin has no email pings'],
  ['filter_body', false, 'Tocsin has no email pings'],
  ['filter_http_body', false, 'Tocsin has no keyword filters'],
  ['filter_default_fail', false, 'Tocsin has no keyword filters'],
];

/** Validates a body as Healthchecks does; returns the spec or the message of its 400 ("json validation error: …"). */
export function parseHcSpec(body: unknown): { spec: HcSpec } | { error: string } {
  // As in Healthchecks, null is refused for every field (none of them is nullable).
  const parsed = hcSpecSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    const message =
      issue.message.startsWith(field) || issue.message.startsWith('an item')
        ? issue.message
        : `${field} has unexpected value`;
    return { error: `json validation error: ${message}` };
  }
  const spec = parsed.data;
  for (const [field, off, why] of UNSUPPORTED) {
    if (spec[field] !== undefined && spec[field] !== off)
      return { error: `json validation error: ${field} must be ${JSON.stringify(off)}: ${why}` };
  }
  if (spec.schedule !== undefined && spec.schedule.trim().split(/\s+/).length !== 5) {
    return {
      error:
        'json validation error: schedule is not a valid cron or OnCalendar expression ' +
        '(Tocsin takes 5-field cron expressions, not OnCalendar)',
    };
  }
  return { spec };
}

/** Healthchecks' space-separated tags as Tocsin tags: `a b=c` is { a: "", b: "c" }. */
export function tagsFromHc(tags: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags.split(' ').filter((s) => s.trim() !== '')) {
    const eq = t.indexOf('=');
    if (eq > 0) out[t.slice(0, eq)] = t.slice(eq + 1);
    else out[t] = '';
  }
  return out;
}

export function tagsToHc(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join(' ');
}

/** Healthchecks' `unique_key`: the SHA-1 of the first half of the UUID's hex, stable and not a ping credential. */
export function uniqueKeyOf(uuid: string): string {
  return createHash('sha1').update(uuid.replaceAll('-', '').slice(0, 16)).digest('hex');
}

/** A channel id for a topic: a UUID derived from its name, so it survives export and apply to another server. */
export function channelIdOf(topicName: string): string {
  const h = createHash('sha1').update(`tocsin-topic:${topicName}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const PROTOCOL_KINDS: Record<string, string> = { pagerduty: 'pd', pushover: 'po', twilio_sms: 'sms' };

/** A topic as a Healthchecks integration; its kind is its subscriptions' protocol when they share one. */
export function channelOf(topic: { name: string; subscriptions: Record<string, unknown>[] }): {
  id: string;
  name: string;
  kind: string;
} {
  const protocols = [...new Set(topic.subscriptions.map((s) => String(s.protocol)))];
  const kind = protocols.length === 1 ? (PROTOCOL_KINDS[protocols[0]] ?? protocols[0]) : 'topic';
  return { id: channelIdOf(topic.name), name: topic.name, kind };
}

/** Seconds precision with `+00:00`, as Healthchecks prints check times. */
export function hcTime(ms: number | null): string | null {
  return ms === null ? null : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

/** Microsecond notation as Python's isoformat prints ping dates (the fraction only when not zero). */
export function hcPingTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = ms % 1000 === 0 ? '' : `.${iso.slice(20, 23)}000`;
  return `${iso.slice(0, 19)}${frac}+00:00`;
}

export interface CheckContext {
  now: number;
  /** The API root, such as https://tocsin.example/api/v3. */
  apiRoot: string;
  pingUrl: string;
  nPings: number;
  readonly: boolean;
  /** The API version in the path: v1 reports "started" as a status. */
  version: number;
}

function hcStatus(e: HeartbeatEntry, now: number, withStarted: boolean): string {
  const rt = e.runtime;
  switch (rt.state) {
    case 'NEW':
      return 'new';
    case 'UP':
      return 'up';
    case 'LATE':
      return 'grace';
    case 'DOWN':
      return 'down';
    case 'PAUSED':
      return 'paused';
    case 'STARTED':
      if (withStarted) return 'started';
      if (rt.lastSuccessAt === null) return 'new';
      return now >= rt.expectedAt ? 'grace' : 'up';
  }
}

/** A heartbeat as Healthchecks' check object (Check.to_dict). */
export function checkOf(e: HeartbeatEntry, ctx: CheckContext): Record<string, unknown> {
  const { spec, runtime: rt } = e;
  const starts = Object.values(rt.starts);
  const status = hcStatus(e, ctx.now, ctx.version === 1);
  let nextPing: number | null = status === 'down' || status === 'paused' ? null : rt.expectedAt;
  if (nextPing !== null && starts.length) nextPing = Math.min(nextPing, ...starts);
  const out: Record<string, unknown> = {
    name: spec.displayName ?? spec.name,
    slug: e.row.slug,
    tags: tagsToHc(spec.tags),
    desc: spec.description ?? '',
    grace: Math.round(spec.grace / 1000),
    n_pings: ctx.nPings,
    status,
    // Pausing ends an open run in Healthchecks (last_start is cleared).
    started: starts.length > 0 && status !== 'paused',
    last_ping: hcTime(rt.lastPingAt),
    next_ping: hcTime(nextPing),
    manual_resume: spec.manualResume,
    methods: '',
    subject: '',
    subject_fail: '',
    start_kw: '',
    success_kw: '',
    failure_kw: '',
    filter_subject: false,
    filter_body: false,
    filter_http_body: false,
    filter_default_fail: false,
    // Tocsin has no badges; the field is kept (empty) for clients that expect it.
    badge_url: '',
  };
  if (ctx.readonly) {
    out.unique_key = uniqueKeyOf(e.row.pingUuid);
  } else {
    const update = `${ctx.apiRoot}/checks/${e.row.pingUuid}`;
    Object.assign(out, {
      uuid: e.row.pingUuid,
      ping_url: ctx.pingUrl,
      update_url: update,
      pause_url: `${update}/pause`,
      resume_url: `${update}/resume`,
      channels: spec.topics.map(channelIdOf).sort().join(','),
    });
  }
  if (spec.cron !== undefined) Object.assign(out, { schedule: spec.cron, tz: spec.timezone });
  else out.timeout = Math.round((spec.period ?? 0) / 1000);
  return out;
}

/** A stored ping as Healthchecks' ping object (Ping.to_dict); `checkUrl` is the check's API URL. */
export function pingOf(
  p: {
    id: string;
    at: number;
    kind: string;
    remote_addr: string | null;
    method: string;
    user_agent: string | null;
    rid: string | null;
    duration_ms: number | null;
    has_body: number;
  },
  checkUrl: string,
  scheme: string,
): Record<string, unknown> {
  const n = pingNumberOf(p.id);
  const out: Record<string, unknown> = {
    type: p.kind,
    date: hcPingTime(p.at),
    n,
    scheme,
    remote_addr: p.remote_addr,
    method: p.method,
    ua: p.user_agent ?? '',
    rid: p.rid,
    body_url: p.has_body ? `${checkUrl}/pings/${n}/body` : null,
  };
  // Seconds with two decimals, as Healthchecks rounds them.
  if (p.duration_ms !== null) out.duration = Math.round(p.duration_ms / 10) / 100;
  return out;
}

/** Ping numbers count milliseconds from here, so that ms × 4096 stays a safe integer until 2089. */
const PING_NUMBER_EPOCH_MS = Date.UTC(2020, 0, 1);
/** The UUIDv7 counter's values within one millisecond (12 bits). */
const COUNTER_VALUES = 4096;

/**
 * A ping's number `n`: Tocsin numbers pings by their UUIDv7 id (its
 * millisecond since 2020 and its whole 12-bit in-millisecond counter, so
 * numbers keep the order of the ids), so a number stays the same ping after
 * old pings are pruned.
 */
export function pingNumberOf(id: string): number {
  const hex = id.replaceAll('-', '');
  const ms = parseInt(hex.slice(0, 12), 16);
  const counter = parseInt(hex.slice(13, 16), 16);
  return (ms - PING_NUMBER_EPOCH_MS) * COUNTER_VALUES + counter;
}

/** The millisecond of ping number `n` (the inverse of pingNumberOf's time part). */
export function pingNumberMs(n: number): number {
  return Math.floor(n / COUNTER_VALUES) + PING_NUMBER_EPOCH_MS;
}

/** Healthchecks' flips from Tocsin state changes, oldest first: only changes among new, up, down and paused. */
export function flipsOf(
  changes: readonly { at: number; from_state: string; to_state: string }[],
): { at: number; up: 0 | 1 }[] {
  const statusOf: Record<string, string | undefined> = { NEW: 'new', UP: 'up', DOWN: 'down', PAUSED: 'paused' };
  const out: { at: number; up: 0 | 1 }[] = [];
  let last = changes.length ? statusOf[changes[0].from_state] : undefined;
  for (const c of changes) {
    const status = statusOf[c.to_state];
    if (status === undefined || status === last) continue;
    out.push({ at: c.at, up: status === 'up' ? 1 : 0 });
    last = status;
  }
  return out;
}
