/**
 * bench/logs/metric-stage-bench: lines a second through the log metrics
 * stages (metric filters, embedded metrics, log alarms) as the pipeline
 * runs them (batches of 1,000 events), beside JSON.parse of the same lines
 * in the same run. 100,000 realistic lines: half an Apache access log, half
 * JSON application logs. Cases:
 *   - rules elsewhere: 2 metric filters and 2 log alarms on another group (the selection's cost);
 *   - no match: the same rules on the lines' group, patterns that match no line (and with term
 *     patterns only: the stages' own cost, without the JSON parse and field split of the patterns);
 *   - realistic: 2 metric filters (a JSON latency value, a space-delimited byte count with a status
 *     dimension) and 2 log alarms (a count and a ratio), matching a share of the lines;
 *   - with EMF: the realistic rules, and 1 line in 100 in Embedded Metric Format.
 * The buckets are drained into nothing every batch (the flush's own cost is in its figure).
 *
 *   node -C source --import tsx bench/logs/metric-stage-bench.ts [-- --lines 100000 --rounds 5]
 */
import { parseArgs } from 'node:util';
import { logRuleInputSchema, type LogEvent } from '../../packages/protocol/src/index.js';
import { FilterEventCache } from '../../packages/server/src/logs/metric-filters/filter-event-cache.js';
import { EmbeddedMetricsStage } from '../../packages/server/src/logs/metric-filters/embedded-metrics-stage.js';
import { LogAlarmStage } from '../../packages/server/src/logs/metric-filters/log-alarm-stage.js';
import { MetricFilterStage } from '../../packages/server/src/logs/metric-filters/metric-filter-stage.js';
import { SeriesBuckets } from '../../packages/server/src/logs/metric-filters/series-buckets.js';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const BATCH = 1000;
const NOW = Date.UTC(2026, 10, 23, 12);

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}
const rand = lcg(42);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
const paths = ['/index.html', '/api/users/42', '/static/app.js', '/api/orders?page=2', '/health'];
const statuses = [200, 200, 200, 200, 201, 304, 404, 500, 503];
const levels = ['info', 'info', 'info', 'debug', 'warn', 'error'];

function apacheLine(i: number): string {
  const ip = `10.0.${i % 256}.${(i * 7) % 256}`;
  const minute = String(i % 60).padStart(2, '0');
  const bytes = Math.floor(rand() * 20_000);
  const request = `"GET ${pick(paths)} HTTP/1.1"`;
  return `${ip} - user${i % 50} [10/Oct/2025:13:${minute}:15 -0700] ${request} ${pick(statuses)} ${bytes}`;
}
function jsonLine(i: number): string {
  const level = pick(levels);
  return JSON.stringify({
    time: NOW + i,
    level,
    service: pick(['checkout', 'billing', 'search']),
    msg: level === 'error' ? 'Task timed out after 30.00 seconds' : 'request handled',
    latency: Math.floor(rand() * 1200),
    http: { method: pick(['GET', 'POST']), status: pick(statuses) },
  });
}
function emfLine(i: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: NOW + i,
      CloudWatchMetrics: [{ Namespace: 'Checkout', Dimensions: [['Service']], Metrics: [{ Name: 'Latency' }] }],
    },
    Service: 'cart',
    Latency: Math.floor(rand() * 500),
  });
}

const lines = Array.from({ length: LINES }, (_, i) => (i % 2 === 0 ? apacheLine(i) : jsonLine(i)));
const withEmf = lines.map((l, i) => (i % 100 === 7 ? emfLine(i) : l));
const eventsOf = (ls: string[]): LogEvent[] =>
  ls.map((message, i) => ({
    time: NOW + i,
    observedTime: NOW + i,
    group: 'app',
    source: i % 2 ? 'checkout' : 'web',
    level: 0,
    levelText: '',
    message,
    attributes: {},
    resource: {},
  }));

const rules = (group: string, match: boolean, termsOnly = false) =>
  [
    {
      kind: 'metric_filter',
      name: 'latency',
      group,
      pattern: match ? '{ $.level = "error" }' : '{ $.level = "fatal" }',
      namespace: 'App',
      metricName: 'ErrorLatency',
      value: '$.latency',
    },
    {
      kind: 'metric_filter',
      name: 'bytes',
      group,
      pattern: match
        ? '[ip, id, user, ts, request, status = 5*, bytes]'
        : '[ip, id, user, ts, request, status = 7*, bytes]',
      namespace: 'App',
      metricName: 'ErrorBytes',
      value: '$bytes',
      dimensions: { Status: '$status' },
    },
    { kind: 'alarm', name: 'timeouts', group, pattern: match ? '"timed out"' : '"out of memory"', threshold: 10 },
    {
      kind: 'alarm',
      name: 'share-5xx',
      group,
      pattern: match ? '[..., status = 5*, bytes]' : '[..., status = 7*, bytes]',
      measure: 'ratio',
      threshold: 5,
    },
  ]
    .map((r) => (termsOnly ? { ...r, pattern: '"out of memory"' } : r))
    .map((r) => logRuleInputSchema.parse(r));

function timeStages(events: LogEvent[], group: string, match: boolean, termsOnly = false): number {
  const buckets = new SeriesBuckets();
  const views = new FilterEventCache();
  const filters = new MetricFilterStage(buckets, views);
  const emf = new EmbeddedMetricsStage(buckets);
  const alarms = new LogAlarmStage(buckets, views);
  filters.setRules(rules(group, match, termsOnly));
  alarms.setRules(rules(group, match, termsOnly));
  const batches: LogEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const start = performance.now();
  for (const b of batches) {
    filters.process(b, NOW);
    emf.process(b, NOW);
    alarms.process(b);
    buckets.drain();
  }
  return performance.now() - start;
}

function best(run: () => number): number {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) min = Math.min(min, run());
  return min;
}

const rate = (ms: number) => `${Math.round((LINES / ms) * 1000).toLocaleString('en')} lines/s`;
const parseMs = best(() => {
  const start = performance.now();
  for (const l of lines) {
    try {
      JSON.parse(l);
    } catch {
      // An Apache line: the parse fails, as it does for the pipeline.
    }
  }
  return performance.now() - start;
});
const jsonOnly = lines.filter((l) => l.startsWith('{'));
const parseJsonMs = best(() => {
  const start = performance.now();
  for (const l of jsonOnly) JSON.parse(l);
  return performance.now() - start;
});
console.log(`${LINES.toLocaleString('en')} lines, batches of ${BATCH}, best of ${ROUNDS}`);
console.log(`JSON.parse of every line (Apache lines throw) ${rate(parseMs)}`);
console.log(`JSON.parse of the JSON half only             ${rate((parseJsonMs * LINES) / jsonOnly.length)}`);
const events = eventsOf(lines);
console.log(`stages, rules on another group              ${rate(best(() => timeStages(events, 'other', true)))}`);
console.log(`stages, rules on the group, no match        ${rate(best(() => timeStages(events, 'app', false)))}`);
const terms = rate(best(() => timeStages(events, 'app', false, true)));
console.log(`stages, no match, term patterns only        ${terms}`);
console.log(`stages, realistic rules                     ${rate(best(() => timeStages(events, 'app', true)))}`);
const emfEvents = eventsOf(withEmf);
console.log(`stages, realistic rules, 1% EMF lines       ${rate(best(() => timeStages(emfEvents, 'app', true)))}`);
