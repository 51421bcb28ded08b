/**
 * The log search's address (`/logs?group&pattern&start&end`, or `range=1h` for a preset) to the query of
 * `GET /api/logs/query`, and back. Alarm and route notifications link here with `start` and `end` as epoch ms or
 * ISO times; the search form writes a preset as `range` so that a bookmarked search stays "the last hour".
 */

export const rangePresets = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export const DEFAULT_RANGE = '1h';
/** Events a page of results asks for. */
export const PAGE_SIZE = 200;

export interface LogSearch {
  group: string;
  pattern: string;
  /** A preset's value, or `custom` with `start` and `end`. */
  range: string;
  /** As given: epoch ms or an ISO time ('' for none). */
  start: string;
  end: string;
}

/** The search the address holds; a `start` or `end` without `range` is a custom range. */
export function searchOf(params: URLSearchParams): LogSearch {
  const start = params.get('start') ?? '';
  const end = params.get('end') ?? '';
  const given = params.get('range') ?? '';
  const range = rangePresets.some((p) => p.value === given)
    ? given
    : start || end || given === 'custom'
      ? 'custom'
      : DEFAULT_RANGE;
  return { group: params.get('group') ?? '', pattern: params.get('pattern') ?? '', range, start, end };
}

/** The address of a search, with only what is set. */
export function searchHref(s: LogSearch, base = '/logs'): string {
  const q = new URLSearchParams();
  if (s.group) q.set('group', s.group);
  if (s.pattern) q.set('pattern', s.pattern);
  if (s.range === 'custom') {
    if (s.start) q.set('start', s.start);
    if (s.end) q.set('end', s.end);
  } else if (s.range !== DEFAULT_RANGE) q.set('range', s.range);
  const text = q.toString();
  return text ? `${base}?${text}` : base;
}

/** Epoch ms of a time as the address gives it (epoch ms, or an ISO or `datetime-local` time); undefined if none. */
export function timeOf(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The `GET /api/logs/query` URL of a search at `now`, after `cursor` when given. */
export function queryUrl(s: LogSearch, now: number, cursor?: string): string {
  const q = new URLSearchParams({ group: s.group, limit: String(PAGE_SIZE), order: 'desc' });
  if (s.pattern) q.set('pattern', s.pattern);
  const preset = rangePresets.find((p) => p.value === s.range);
  if (preset) {
    q.set('start', String(now - preset.ms));
    q.set('end', String(now));
  } else {
    const start = timeOf(s.start);
    const end = timeOf(s.end);
    if (start !== undefined) q.set('start', String(start));
    if (end !== undefined) q.set('end', String(end));
  }
  if (cursor) q.set('cursor', cursor);
  return `/api/logs/query?${q}`;
}

/** The live tail's URL of a search (the range does not apply: the tail follows what arrives from now on). */
export function tailUrl(s: Pick<LogSearch, 'group' | 'pattern'>): string {
  const q = new URLSearchParams();
  if (s.group) q.set('group', s.group);
  if (s.pattern) q.set('pattern', s.pattern);
  return `/api/logs/tail?${q}`;
}

/** A time as a `datetime-local` input holds it, in the viewer's zone, to the second. */
export function localInputValue(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The tone of a severity number (OTLP's ranges), for the row's colour: trace … fatal, or none for 0. */
export function levelTone(level: number): string {
  if (level >= 21) return 'fatal';
  if (level >= 17) return 'error';
  if (level >= 13) return 'warn';
  if (level >= 9) return 'info';
  if (level >= 5) return 'debug';
  if (level >= 1) return 'trace';
  return 'none';
}

/** Bytes as "1.2 MB" (decimal units, as disk sizes are given). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * The 1-based character a filter pattern's error points at: the server's `details.position` (0-based, as the
 * parser counts), else the "character N" its message names; undefined when it names none.
 */
export function errorPosition(message: string, details: Record<string, unknown> = {}): number | undefined {
  const at = details.position;
  if (typeof at === 'number' && Number.isInteger(at) && at >= 0) return at + 1;
  const m = /\b(?:character|position|column)\s+(\d+)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * A counter's key as a heading or a row shows it: `droppedByReason` → "Dropped by reason". Only camelCase names
 * are the parts' own words; other keys are data (a format `tocsin-ndjson`, a reason `rate_limited`, a rule's
 * name) and are shown as they are.
 */
export function humanize(key: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) return key;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words[0].toUpperCase() + words.slice(1);
}
