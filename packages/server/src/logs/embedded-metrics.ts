/**
 * CloudWatch's Embedded Metric Format (EMF): a JSON log line whose `_aws`
 * member tells which of its top-level members are metrics, in which
 * namespace, with which dimension sets. `embeddedMetricsOf` reads one
 * parsed line into datapoints of the metrics domain (SeriesDatum, plus the
 * unit and storage resolution), or says why the line defines none.
 *
 * The rules are AWS's specification ("Specification: Embedded metric
 * format", CloudWatch user guide, with its JSON schema), the CloudWatch
 * limits it points to (MetricDatum, Dimension) and the limits of the
 * official client (aws-embedded-metrics); docs/embedded-metrics.md lists
 * each with the reason a line is refused. A line with an error yields no
 * datapoint at all (a half-read line would give wrong series silently);
 * the line itself stays a log line either way.
 *
 * Hand-written, not zod: it runs on every JSON line that has `_aws`, and a
 * refusal must name the one member at fault in words a user can act on.
 */
import type { SeriesDatum } from '../metrics/metric-service.js';
import { seriesKeyOf } from '../metrics/series-key.js';

/** CloudWatch's metric units, as the specification's schema lists them. */
export const EMF_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;
export type EmfUnit = (typeof EMF_UNITS)[number];
const units: ReadonlySet<string> = new Set(EMF_UNITS);

/** The limits, from the specification unless said otherwise. */
export const EMF_LIMITS = {
  /** A log event of CloudWatch Logs, EMF or not. */
  maxBytes: 1024 * 1024,
  metricsPerDirective: 100,
  valuesPerMetric: 100,
  keysPerDimensionSet: 30,
  namespaceLength: 1024,
  metricNameLength: 1024,
  dimensionNameLength: 250,
  dimensionValueLength: 1024,
  /** CloudWatch Logs and metrics take no event older than 14 days or more than 2 hours ahead. */
  oldestMs: 14 * 86_400_000,
  aheadMs: 2 * 3_600_000,
  /** MetricDatum: values beyond ±2^360 are refused. */
  maxMagnitude: 2 ** 360,
} as const;

/** One datapoint of an EMF line: a series datum, with the unit and resolution the line gave it. */
export interface EmbeddedDatapoint extends SeriesDatum {
  unit: EmfUnit;
  /** 1: kept per second (high resolution); 60: per minute, the default. */
  storageResolution: 1 | 60;
}

export type EmbeddedMetricsResult =
  /** The line has no `_aws` member: it is not EMF and defines nothing. */
  | { kind: 'none' }
  /** Every datapoint the line defines (none when CloudWatchMetrics is empty). */
  | { kind: 'metrics'; datapoints: EmbeddedDatapoint[] }
  /** The line carries `_aws` but breaks a rule: no datapoint; `path` names the member at fault. */
  | { kind: 'rejected'; path: string; reason: string };

export interface EmbeddedMetricsOptions {
  /** Now (epoch ms), for the accepted time window. */
  now: number;
  /** The log event's own time, used when `_aws.Timestamp` is absent; `now` if not given. */
  eventTime?: number;
  /** The line's size in bytes, when the caller knows it: over 1 MiB is refused, as CloudWatch Logs does. */
  bytes?: number;
}

/** A rule broken: thrown inside this module only, returned as a `rejected` result. */
class Refusal {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {}
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
const printableAscii = /^[\x20-\x7e]*$/;

/** The datapoints an EMF line defines, or why it defines none. Never throws. */
export function embeddedMetricsOf(line: unknown, options: EmbeddedMetricsOptions): EmbeddedMetricsResult {
  if (!isObject(line) || !Object.hasOwn(line, '_aws')) return { kind: 'none' };
  try {
    return { kind: 'metrics', datapoints: read(line, options) };
  } catch (err) {
    if (err instanceof Refusal) return { kind: 'rejected', path: err.path, reason: err.reason };
    throw err;
  }
}

function read(root: Json, options: EmbeddedMetricsOptions): EmbeddedDatapoint[] {
  if (options.bytes !== undefined && options.bytes > EMF_LIMITS.maxBytes)
    throw new Refusal('', `the line is ${options.bytes} bytes; a log event holds at most 1 MiB`);
  const aws = root._aws;
  if (!isObject(aws)) throw new Refusal('_aws', `must be an object, not ${describe(aws)}`);
  const at = timestampOf(aws, options);
  const directives = aws.CloudWatchMetrics;
  if (directives === undefined) throw new Refusal('_aws.CloudWatchMetrics', 'is required (an array of directives)');
  if (!Array.isArray(directives))
    throw new Refusal('_aws.CloudWatchMetrics', `must be an array, not ${describe(directives)}`);
  const out: EmbeddedDatapoint[] = [];
  const seen = new Set<string>();
  const resolutions = new Map<string, 1 | 60>();
  for (let i = 0; i < directives.length; i++)
    readDirective(root, directives[i], `_aws.CloudWatchMetrics.${i}`, at, { out, seen, resolutions });
  return out;
}

function timestampOf(aws: Json, options: EmbeddedMetricsOptions): number {
  const ts = aws.Timestamp;
  // The schema requires Timestamp, but AWS's own examples omit it: the event's time stands in, as for any log line.
  const at = ts === undefined ? (options.eventTime ?? options.now) : ts;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0)
    throw new Refusal('_aws.Timestamp', `must be an integer of milliseconds since 1970, not ${JSON.stringify(ts)}`);
  const what = ts === undefined ? "the event's time (no Timestamp)" : 'the Timestamp';
  // Date cannot print beyond year 275760; the number itself is the clearest then.
  const when = at <= 8.64e15 ? new Date(at).toISOString() : String(at);
  if (at < options.now - EMF_LIMITS.oldestMs)
    throw new Refusal('_aws.Timestamp', `${what} ${when} is more than 14 days old`);
  if (at > options.now + EMF_LIMITS.aheadMs)
    throw new Refusal('_aws.Timestamp', `${what} ${when} is more than 2 hours ahead`);
  return at;
}

interface Collect {
  out: EmbeddedDatapoint[];
  /** Series already given a datapoint by this line: a repeat would count the same values twice. */
  seen: Set<string>;
  /** Resolution per namespace and metric name: one line cannot give a metric two. */
  resolutions: Map<string, 1 | 60>;
}

function readDirective(root: Json, directive: unknown, path: string, at: number, c: Collect): void {
  if (!isObject(directive)) throw new Refusal(path, `must be an object, not ${describe(directive)}`);
  const namespace = namespaceOf(directive.Namespace, `${path}.Namespace`);
  const sets = dimensionSetsOf(root, directive.Dimensions, `${path}.Dimensions`);
  const metrics = directive.Metrics;
  if (!Array.isArray(metrics))
    throw new Refusal(
      `${path}.Metrics`,
      metrics === undefined ? 'is required' : `must be an array, not ${describe(metrics)}`,
    );
  if (metrics.length > EMF_LIMITS.metricsPerDirective)
    throw new Refusal(`${path}.Metrics`, `has ${metrics.length} definitions; at most 100`);
  for (let j = 0; j < metrics.length; j++) {
    const mpath = `${path}.Metrics.${j}`;
    const def = definitionOf(metrics[j], mpath);
    const resKey = `${namespace.length}:${namespace}${def.name}`;
    const earlier = c.resolutions.get(resKey);
    if (earlier !== undefined && earlier !== def.storageResolution)
      throw new Refusal(`${mpath}.StorageResolution`, `'${def.name}' already has resolution ${earlier} in this line`);
    c.resolutions.set(resKey, def.storageResolution);
    const stats = valuesOf(root, def.name, mpath);
    for (const dimensions of sets) {
      const key = seriesKeyOf(namespace, def.name, dimensions);
      if (c.seen.has(key)) continue;
      c.seen.add(key);
      c.out.push({
        namespace,
        name: def.name,
        dimensions,
        at,
        unit: def.unit,
        storageResolution: def.storageResolution,
        ...stats,
      });
    }
  }
}

function namespaceOf(ns: unknown, path: string): string {
  if (typeof ns !== 'string')
    throw new Refusal(path, ns === undefined ? 'is required' : `must be a string, not ${describe(ns)}`);
  if (ns.trim() === '') throw new Refusal(path, 'must have at least one non-space character');
  if (ns.length > EMF_LIMITS.namespaceLength) throw new Refusal(path, `is ${ns.length} characters; at most 1024`);
  if (!printableAscii.test(ns)) throw new Refusal(path, 'must be printable ASCII (no control or non-ASCII characters)');
  return ns;
}

/**
 * The dimensions of each set, resolved against the root. An absent or empty Dimensions publishes the metrics
 * without dimensions (as CloudWatch does with AWS's own examples); sets naming the same keys are one series.
 */
function dimensionSetsOf(root: Json, dims: unknown, path: string): Record<string, string>[] {
  if (dims === undefined) return [{}];
  if (!Array.isArray(dims)) throw new Refusal(path, `must be an array of dimension sets, not ${describe(dims)}`);
  if (dims.length === 0) return [{}];
  const sets: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (let s = 0; s < dims.length; s++) {
    const set = dims[s];
    const spath = `${path}.${s}`;
    if (!Array.isArray(set)) throw new Refusal(spath, `must be an array of dimension keys, not ${describe(set)}`);
    if (set.length > EMF_LIMITS.keysPerDimensionSet)
      throw new Refusal(spath, `has ${set.length} dimension keys; at most 30`);
    const record: Record<string, string> = {};
    for (let k = 0; k < set.length; k++) {
      const name = dimensionKeyOf(set[k], `${spath}.${k}`);
      // Defined, not assigned: a key named __proto__ must stay a dimension, not replace the prototype.
      Object.defineProperty(record, name, {
        value: dimensionValueOf(root, name),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const key = seriesKeyOf('', '', record);
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(record);
  }
  return sets;
}

function dimensionKeyOf(name: unknown, path: string): string {
  if (typeof name !== 'string') throw new Refusal(path, `a dimension key must be a string, not ${describe(name)}`);
  if (name.trim() === '') throw new Refusal(path, 'a dimension key must have at least one non-space character');
  if (name.length > EMF_LIMITS.dimensionNameLength)
    throw new Refusal(path, `dimension key is ${name.length} characters; at most 250`);
  if (!printableAscii.test(name)) throw new Refusal(path, `dimension key '${name}' must be printable ASCII`);
  if (name.startsWith(':')) throw new Refusal(path, `dimension key '${name}' must not start with ':'`);
  return name;
}

function dimensionValueOf(root: Json, name: string): string {
  if (!Object.hasOwn(root, name))
    throw new Refusal(name, `dimension '${name}' has no top-level member (a target cannot be nested)`);
  const v = root[name];
  if (typeof v !== 'string') throw new Refusal(name, `dimension '${name}' must be a string, not ${describe(v)}`);
  if (v.trim() === '') throw new Refusal(name, `dimension '${name}' must have at least one non-space character`);
  if (v.length > EMF_LIMITS.dimensionValueLength)
    throw new Refusal(name, `dimension '${name}' is ${v.length} characters; at most 1024`);
  if (!printableAscii.test(v)) throw new Refusal(name, `dimension '${name}' must be printable ASCII`);
  return v;
}

function definitionOf(def: unknown, path: string): { name: string; unit: EmfUnit; storageResolution: 1 | 60 } {
  if (!isObject(def)) throw new Refusal(path, `must be an object, not ${describe(def)}`);
  const name = def.Name;
  if (typeof name !== 'string')
    throw new Refusal(`${path}.Name`, name === undefined ? 'is required' : `must be a string, not ${describe(name)}`);
  if (name.trim() === '') throw new Refusal(`${path}.Name`, 'must have at least one non-space character');
  if (name.length > EMF_LIMITS.metricNameLength)
    throw new Refusal(`${path}.Name`, `is ${name.length} characters; at most 1024`);
  const unit = def.Unit ?? 'None';
  if (typeof unit !== 'string' || !units.has(unit))
    throw new Refusal(`${path}.Unit`, `${JSON.stringify(unit)} is not a CloudWatch unit (Seconds, Count, Bytes, …)`);
  const res = def.StorageResolution ?? 60;
  if (res !== 1 && res !== 60)
    throw new Refusal(`${path}.StorageResolution`, `must be 1 or 60, not ${JSON.stringify(res)}`);
  return { name, unit: unit as EmfUnit, storageResolution: res };
}

type Stats = Pick<SeriesDatum, 'count' | 'sum' | 'min' | 'max' | 'values'>;

/** The metric's member: one number, or an array of 1 to 100 (each a sample, repeats folded into weights). */
function valuesOf(root: Json, name: string, path: string): Stats {
  if (!Object.hasOwn(root, name))
    throw new Refusal(name, `metric '${name}' (${path}) has no top-level member (a target cannot be nested)`);
  const v = root[name];
  if (typeof v === 'number') {
    checkNumber(v, name);
    return { count: 1, sum: v, min: v, max: v };
  }
  if (!Array.isArray(v))
    throw new Refusal(name, `metric '${name}' must be a number or an array of numbers, not ${describe(v)}`);
  if (v.length === 0) throw new Refusal(name, `metric '${name}' is an empty array: no value to record`);
  if (v.length > EMF_LIMITS.valuesPerMetric)
    throw new Refusal(name, `metric '${name}' has ${v.length} values; at most 100`);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const weights = new Map<number, number>();
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') throw new Refusal(`${name}.${i}`, `metric '${name}' holds ${describe(x)}, not a number`);
    checkNumber(x, `${name}.${i}`);
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
    weights.set(x, (weights.get(x) ?? 0) + 1);
  }
  if (v.length === 1) return { count: 1, sum, min, max };
  return { count: v.length, sum, min, max, values: [...weights].map(([value, weight]) => ({ value, weight })) };
}

function checkNumber(x: number, path: string): void {
  if (!Number.isFinite(x) || Math.abs(x) > EMF_LIMITS.maxMagnitude)
    throw new Refusal(path, `${x} is out of CloudWatch's range (a finite number within ±2^360)`);
}
