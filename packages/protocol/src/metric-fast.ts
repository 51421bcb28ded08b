/**
 * A fast check of PutMetricData bodies for the ingest hot path. It accepts
 * only bodies the schema (metric.ts) accepts, and declines anything
 * unusual; the caller then runs the schema, whose errors name the field.
 * At a thousand datapoints a request, the schema's generic walk costs more
 * than storing them. metric-fast.test.ts checks that it never accepts
 * what the schema rejects.
 */
import { z } from 'zod';
import type { PutMetricData } from './metric.js';

const DATUM_KEYS = new Set([
  'MetricName',
  'Dimensions',
  'Timestamp',
  'Value',
  'Values',
  'Counts',
  'StatisticValues',
  'Unit',
  'StorageResolution',
]);
const STAT_KEYS = ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const;
const isoTimestamp = z.iso.datetime({ offset: true });

/** Timestamps repeat across a batch; each distinct string is checked by the schema once. */
const timestampChecked = new Map<string, boolean>();

function timestampOk(s: string): boolean {
  let ok = timestampChecked.get(s);
  if (ok === undefined) {
    ok = isoTimestamp.safeParse(s).success;
    if (timestampChecked.size >= 4096) timestampChecked.clear();
    timestampChecked.set(s, ok);
  }
  return ok;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, min: number, max: number) => typeof v === 'string' && v.length >= min && v.length <= max;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numbers(v: unknown, positive: boolean): v is number[] {
  if (!Array.isArray(v) || v.length > 150) return false;
  for (const x of v) if (!num(x) || (positive && x <= 0)) return false;
  return true;
}

function datumOk(d: unknown): boolean {
  if (!isObject(d)) return false;
  for (const k in d) if (!DATUM_KEYS.has(k) || d[k] === undefined) return false;
  if (!str(d.MetricName, 1, 255)) return false;
  const dims = d.Dimensions;
  if (dims !== undefined) {
    if (!Array.isArray(dims) || dims.length > 30) return false;
    for (const x of dims) {
      if (!isObject(x) || !str(x.Name, 1, 255) || !str(x.Value, 1, 1024)) return false;
      for (const k in x) if (k !== 'Name' && k !== 'Value') return false;
    }
  }
  const t = d.Timestamp;
  if (t !== undefined && !(typeof t === 'number' ? Number.isFinite(t) : typeof t === 'string' && timestampOk(t)))
    return false;
  if (d.Unit !== undefined && !str(d.Unit, 0, 32)) return false;
  if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60) return false;
  const given =
    (d.Value !== undefined ? 1 : 0) + (d.Values !== undefined ? 1 : 0) + (d.StatisticValues !== undefined ? 1 : 0);
  if (given !== 1) return false;
  if (d.Value !== undefined) return num(d.Value) && d.Counts === undefined;
  if (d.Values !== undefined)
    return (
      numbers(d.Values, false) &&
      (d.Counts === undefined || (numbers(d.Counts, true) && d.Counts.length === d.Values.length))
    );
  const s = d.StatisticValues;
  if (!isObject(s) || d.Counts !== undefined) return false;
  for (const k in s) if (!(STAT_KEYS as readonly string[]).includes(k)) return false;
  return (
    STAT_KEYS.every((k) => num(s[k])) && (s.SampleCount as number) > 0 && (s.Minimum as number) <= (s.Maximum as number)
  );
}

/** True when the body is surely valid; false means "ask the schema", not "invalid". */
export function isPlainPutMetricData(body: unknown): body is PutMetricData {
  if (!isObject(body)) return false;
  for (const k in body) if (k !== 'Namespace' && k !== 'MetricData') return false;
  const data = body.MetricData;
  if (!str(body.Namespace, 1, 255) || !Array.isArray(data) || data.length < 1 || data.length > 1000) return false;
  for (const d of data) if (!datumOk(d)) return false;
  return true;
}
