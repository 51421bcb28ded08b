/**
 * The heartbeat form's values (strings and booleans, as the inputs hold them) to and from an API body. Empty inputs
 * are left out so the schema's defaults apply; what is typed wrong stays as typed, for the schema to name.
 */
import type { Heartbeat } from '../core/api-types.js';
import { durationText as dur, listOf as list, numberOrText as num, parseTags, tagsText } from '../core/form-text.js';

export const heartbeatFormInitial = {
  name: '',
  slug: '',
  displayName: '',
  description: '',
  schedule: 'period',
  period: '1d',
  cron: '',
  timezone: 'UTC',
  grace: '1h',
  maxRuntime: '',
  minRuntime: '',
  failureTolerance: '1',
  manualResume: false as boolean,
  alertWhenLate: false as boolean,
  topics: '',
  tags: '',
  paused: false as boolean,
  /** What the form does not edit but keeps (JSON of `tooOften`), so a save does not drop it. */
  keep: '',
};

export type HeartbeatFormValues = typeof heartbeatFormInitial;

export function heartbeatBody(v: HeartbeatFormValues): Record<string, unknown> {
  const b: Record<string, unknown> = { name: v.name.trim() };
  const put = (key: string, value: string) => {
    if (value.trim() !== '') b[key] = value.trim();
  };
  put('slug', v.slug);
  put('displayName', v.displayName);
  put('description', v.description);
  if (v.schedule === 'cron') {
    put('cron', v.cron);
    put('timezone', v.timezone);
    if (b.cron === undefined) b.cron = '';
  } else {
    put('period', v.period);
    if (b.period === undefined) b.period = '';
  }
  put('grace', v.grace);
  put('maxRuntime', v.maxRuntime);
  put('minRuntime', v.minRuntime);
  if (v.failureTolerance.trim()) b.failureTolerance = num(v.failureTolerance);
  b.manualResume = v.manualResume;
  b.alertWhenLate = v.alertWhenLate;
  b.topics = list(v.topics);
  b.tags = parseTags(v.tags);
  b.paused = v.paused;
  if (v.keep) Object.assign(b, JSON.parse(v.keep) as Record<string, unknown>);
  return b;
}

/** The form's values for an existing heartbeat. */
export function heartbeatValues(h: Heartbeat): HeartbeatFormValues {
  const s = h.spec;
  const tooOften = (s as { tooOften?: unknown }).tooOften;
  return {
    ...heartbeatFormInitial,
    name: h.name,
    slug: s.slug ?? '',
    displayName: s.displayName ?? '',
    description: s.description ?? '',
    schedule: s.cron ? 'cron' : 'period',
    period: dur(s.period) || heartbeatFormInitial.period,
    cron: s.cron ?? '',
    timezone: s.timezone || 'UTC',
    grace: dur(s.grace),
    maxRuntime: dur(s.maxRuntime),
    minRuntime: dur(s.minRuntime),
    failureTolerance: String(s.failureTolerance ?? 1),
    manualResume: s.manualResume,
    alertWhenLate: s.alertWhenLate,
    topics: s.topics.join(', '),
    tags: tagsText(s.tags),
    paused: s.paused,
    keep: tooOften === undefined || tooOften === false ? '' : JSON.stringify({ tooOften }),
  };
}

/** The field that shows an issue of the body at `path`. */
export function heartbeatFieldOf(path: string): string {
  const first = path.split('.')[0] || 'name';
  return first === 'tooOften' ? 'name' : first;
}
