/**
 * bench/logs/route-stage-bench: the route stage alone (logs/rules/route-stage.ts) with 20 route rules of every
 * pattern kind (terms, OR terms, JSON predicates, space-delimited, %regex%; per group, per source and on `*`),
 * on realistic lines (half an Apache access log in group `web`, half JSON application logs in group `app`, three
 * services), in batches of 1,000 as ingest hands them over, beside JSON.parse of the same lines in the same run.
 * Matches go through the real throttle and breaker; notifications are published to a publisher that counts them.
 * The stage pays one split and at most one JSON.parse per line, whatever the number of rules.
 *
 *   node -C source --import tsx bench/logs/route-stage-bench.ts [-- --lines 300000 --rounds 5]
 */
import { parseArgs } from 'node:util';
import { type LogEvent, logRouteRuleSchema } from '../../packages/protocol/src/index.js';
import { silentLogger } from '../../packages/server/src/core/logger.js';
import { compileFilterPattern, createFilterEvent } from '../../packages/server/src/logs/filter-pattern.js';
import { RouteStage } from '../../packages/server/src/logs/rules/route-stage.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '5' },
    'per-rule': { type: 'boolean', default: false },
  },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const BATCH = 1_000;
const TARGET = 150_000;

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
const services = ['checkout', 'billing', 'search'];

function apacheLine(i: number): string {
  const ip = `10.0.${i % 256}.${(i * 7) % 256}`;
  const minute = String(i % 60).padStart(2, '0');
  const bytes = Math.floor(rand() * 20_000);
  const request = `GET ${pick(paths)} HTTP/1.1`;
  return `${ip} - user${i % 50} [10/Oct/2025:13:${minute}:15 -0700] "${request}" ${pick(statuses)} ${bytes}`;
}
function jsonLine(i: number, service: string): string {
  const level = pick(levels);
  return JSON.stringify({
    time: 1_760_000_000_000 + i,
    level,
    service,
    msg: level === 'error' ? pick(['Task timed out after 30.00 seconds', 'connection refused']) : 'request handled',
    latency: Math.floor(rand() * 1200),
    http: { method: pick(['GET', 'POST']), status: pick(statuses) },
    requestId: `r-${i}`,
  });
}

const T0 = Date.UTC(2026, 2, 10, 12);
const events: LogEvent[] = Array.from({ length: LINES }, (_, i) => {
  const web = i % 2 === 0;
  const source = web ? 'nginx' : pick(services);
  return {
    time: T0 + i,
    observedTime: T0 + i,
    group: web ? 'web' : 'app',
    source,
    stage: 'prod',
    level: 9,
    levelText: 'INFO',
    message: web ? apacheLine(i) : jsonLine(i, source),
    attributes: {},
    resource: {},
  };
});
const totalBytes = events.reduce((n, e) => n + Buffer.byteLength(e.message), 0);

const specs: [group: string, source: string | undefined, pattern: string, dedupKey?: string][] = [
  ['app', 'checkout', '"Task timed out"', '{source}'],
  ['app', 'billing', '"Task timed out"', '{source}'],
  ['app', undefined, '{ $.level = "error" }', '{source}/{$.msg}'],
  ['app', undefined, '{ $.level = "error" && $.latency > 500 }'],
  ['app', undefined, '{ ($.http.status >= 500 || $.level = err*) && $.service != search }', '{$.http.status}'],
  ['app', 'search', '{ $.latency > 1100 }'],
  ['app', undefined, '?refused ?timeout ?ECONNRESET'],
  ['app', undefined, 'error -billing "timed out"'],
  ['app', undefined, '%timed out after [0-9]+\\.[0-9]+ seconds%'],
  ['app', undefined, '{ $.msg = %refused% }'],
  ['web', undefined, '[ip, user, username, timestamp, request = *api*, status_code = 5*, bytes > 1000]', '{message}'],
  ['web', undefined, '[..., status_code = 404 || status_code = 503, bytes]'],
  ['web', 'nginx', '"/api/orders" 503'],
  ['web', undefined, '%HTTP/1.1. 5[0-9][0-9] %'],
  ['web', undefined, '[ip, ..., status_code = 500, bytes]'],
  ['*', undefined, 'FATAL'],
  ['*', undefined, 'panic -test'],
  ['*', undefined, '{ $.level = "fatal" }'],
  ['*', 'checkout', 'OutOfMemoryError'],
  ['*', undefined, '?segfault ?SIGSEGV ?"core dumped"'],
];
const rules = specs.map(([group, source, pattern, dedupKey], i) =>
  logRouteRuleSchema.parse({
    kind: 'route',
    name: `route-${i}`,
    group,
    source,
    pattern,
    dedupKey,
    topics: ['alerts'],
    title: '{source}: {message}',
    throttle: '5m',
    maxPerMinute: 10_000,
  }),
);

function freshStage(): RouteStage {
  const stage = new RouteStage({
    // Publishing is measured by bench/notify; here the stage alone.
    publish: async () => {},
    publicUrl: () => 'http://tocsin.test',
    logger: silentLogger,
    patternOf: (r) => compileFilterPattern(r.pattern),
  });
  stage.setRules(rules);
  return stage;
}

function best(run: () => void): number {
  let seconds = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    run();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return seconds;
}

function report(label: string, seconds: number): void {
  const perSecond = LINES / seconds;
  const mib = totalBytes / seconds / 1048576;
  const share = (TARGET / perSecond) * 100;
  console.log(
    `${label.padEnd(52)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} lines/s ` +
      `${mib.toFixed(1).padStart(7)} MiB/s   ${share.toFixed(1).padStart(5)} % of a core at 150,000 lines/s`,
  );
}

console.log(
  `${LINES.toLocaleString('en-US')} lines (${(totalBytes / 1048576).toFixed(1)} MiB), ` +
    `batches of ${BATCH}, best of ${ROUNDS} rounds, one core`,
);
report(
  'baseline: JSON.parse of each line that is JSON',
  best(() => {
    for (const e of events) if (e.message.charCodeAt(0) === 123) JSON.parse(e.message);
  }),
);
const compiled = rules.map((r) => ({ r, p: compileFilterPattern(r.pattern) }));
report(
  'the same 20 patterns alone, one event per line',
  best(() => {
    for (const e of events) {
      const fe = createFilterEvent(e.message);
      for (const { r, p } of compiled)
        if ((r.group === '*' || r.group === e.group) && (r.source === undefined || r.source === e.source))
          p.matches(fe);
    }
  }),
);
let stats: ReturnType<RouteStage['stats']> = {};
const seconds = best(() => {
  const stage = freshStage();
  for (let i = 0; i < LINES; i += BATCH) stage.process(events.slice(i, i + BATCH), T0 + i);
  stats = stage.stats();
  void stage.flush();
});
report(`route stage, ${rules.length} route rules`, seconds);
const matched = Object.values(stats).reduce((n, s) => n + s.matched, 0);
const suppressed = Object.values(stats).reduce((n, s) => n + s.suppressed, 0);
console.log(
  `per round: ${matched.toLocaleString('en-US')} matches, ` +
    `${(matched - suppressed).toLocaleString('en-US')} notifications, ${suppressed.toLocaleString('en-US')} ` +
    'counted into later ones (throttle 5m)',
);

if (values['per-rule'])
  for (const { r, p } of compiled) {
    const fes = events.map((e) => createFilterEvent(e.message));
    const t = best(() => {
      for (let i = 0; i < fes.length; i++) {
        const e = events[i]!;
        if ((r.group === '*' || r.group === e.group) && (r.source === undefined || r.source === e.source))
          p.matches(fes[i]!);
      }
    });
    report(`  ${r.pattern.slice(0, 50)}`, t);
  }
