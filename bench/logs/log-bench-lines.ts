/**
 * What bench/logs sends: realistic lines (an Apache access log in combined
 * format, JSON application logs as structured loggers write them) as NDJSON
 * bodies of `POST /api/logs`, and the 20 rules (patterns of every kind) it
 * puts through `PUT /api/log-rules/{name}`.
 */

/** A fixed-seed generator, so that every run sends the same lines. */
export function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const paths = ['/index.html', '/api/users/42', '/static/app.js', '/api/orders?page=2', '/health', '/api/cart/items'];
const statuses = [200, 200, 200, 200, 200, 201, 304, 404, 500, 503];
const levels = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'];
const services = ['checkout', 'billing', 'search'];
const agents = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'Go-http-client/1.1', 'kube-probe/1.29'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class LineMaker {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = lcg(seed);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  apache(i: number, time: number): string {
    const d = new Date(time);
    const ts =
      `${String(d.getUTCDate()).padStart(2, '0')}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${d.toISOString().slice(11, 19)} +0000`;
    const ip = `10.${i % 7}.${Math.floor(this.rand() * 256)}.${Math.floor(this.rand() * 256)}`;
    const bytes = Math.floor(this.rand() * 20_000);
    const method = this.rand() < 0.8 ? 'GET' : 'POST';
    return (
      `${ip} - user${Math.floor(this.rand() * 500)} [${ts}] "${method} ${this.pick(paths)} HTTP/1.1" ` +
      `${this.pick(statuses)} ${bytes} "-" "${this.pick(agents)}"`
    );
  }

  json(i: number, time: number): { line: string; level: string; service: string } {
    const level = this.pick(levels);
    const service = this.pick(services);
    const o: Record<string, unknown> = {
      time: new Date(time).toISOString(),
      level,
      service,
      msg:
        level === 'error' ? this.pick(['Task timed out after 30.00 seconds', 'connection refused']) : 'request handled',
      latency: Math.floor(this.rand() * 1200),
      request_id: `${(i * 2654435761) % 4294967296}`.padStart(10, '0'),
      http: { method: this.pick(['GET', 'POST']), status: this.pick(statuses), path: this.pick(paths) },
      tags: ['app', this.pick(['prod', 'staging'])],
    };
    if (this.rand() < 0.3) o.user = this.rand() < 0.5 ? null : `u${Math.floor(this.rand() * 1000)}`;
    return { line: JSON.stringify(o), level, service };
  }

  /** One NDJSON event line of Tocsin's model: even lines to `<prefix>access`, odd ones to `<prefix>app`. */
  event(i: number, time: number, group?: string): string {
    if (i % 2 === 0)
      return JSON.stringify({ time, group: group ?? 'access', source: 'nginx', message: this.apache(i, time) });
    const j = this.json(i, time);
    return JSON.stringify({ time, group: group ?? 'app', source: j.service, level: j.level, message: j.line });
  }
}

/** `count` NDJSON bodies of `lines` events each, times around `now`. */
export function makeBodies(count: number, lines: number, now: number, seed = 42): Buffer[] {
  const maker = new LineMaker(seed);
  return Array.from({ length: count }, (_, b) => {
    const out: string[] = [];
    for (let k = 0; k < lines; k++) out.push(maker.event(b * lines + k, now - 60_000 + ((b * lines + k) % 60_000)));
    return Buffer.from(`${out.join('\n')}\n`);
  });
}

const ACCESS = '[ip, ident, user, timestamp, request, status, bytes, referer, agent]';

/** The 20 rules: 3 routes, 2 metric filters, 2 log alarms with actions, and 13 watch alarms, one per pattern kind. */
export function benchRules(topic: string): Record<string, unknown>[] {
  const watch = (name: string, group: string, pattern: string) => ({
    name,
    kind: 'alarm',
    group,
    pattern,
    threshold: 1_000_000_000,
    period: '1m',
  });
  return [
    {
      name: 'route-timeouts',
      kind: 'route',
      group: 'app',
      source: 'checkout',
      pattern: '"Task timed out"',
      topics: [topic],
      severity: 'critical',
      dedupKey: '{source}',
    },
    {
      name: 'route-5xx',
      kind: 'route',
      group: 'access',
      pattern: '[ip, ident, user, timestamp, request, status = 5*, bytes, referer, agent]',
      topics: [topic],
      title: 'HTTP 5xx: {message}',
    },
    {
      name: 'route-slow-errors',
      kind: 'route',
      group: 'app',
      pattern: '{ $.level = "error" && $.latency > 500 }',
      topics: [topic],
      dedupKey: '{$.service}',
    },
    {
      name: 'mf-latency',
      kind: 'metric_filter',
      group: 'app',
      pattern: '{ $.latency >= 0 }',
      namespace: 'Bench/Logs',
      metricName: 'latency',
      value: '$.latency',
      dimensions: { service: '$.service' },
      unit: 'Milliseconds',
    },
    {
      name: 'mf-bytes',
      kind: 'metric_filter',
      group: 'access',
      pattern: `[ip, ident, user, timestamp, request, status, bytes > 1000, referer, agent]`,
      namespace: 'Bench/Logs',
      metricName: 'bytes',
      value: '$bytes',
      defaultValue: 0,
    },
    {
      name: 'alarm-errors',
      kind: 'alarm',
      group: 'app',
      pattern: '?error ?ERROR',
      threshold: 100_000,
      period: '1m',
      alarmActions: [topic],
      okActions: [topic],
    },
    {
      name: 'alarm-5xx-ratio',
      kind: 'alarm',
      group: 'access',
      pattern: '[..., status = 5*, bytes, referer, agent]',
      measure: 'ratio',
      threshold: 50,
      minCount: 100,
      period: '1m',
      alarmActions: [topic],
    },
    watch('watch-terms', 'access', 'GET api'),
    watch('watch-phrase', 'app', '"request handled"'),
    watch('watch-or', 'app', '?timeout ?refused ?reset'),
    watch('watch-exclusion', 'app', 'error -billing'),
    watch('watch-json-wildcard', 'app', '{ $.level = err* }'),
    watch('watch-json-array', 'app', '{ $.tags[*] = prod }'),
    watch('watch-json-null', 'app', '{ $.user IS NULL }'),
    watch('watch-json-not-exists', 'app', '{ $.user NOT EXISTS }'),
    watch('watch-json-or', 'app', '{ ($.http.status >= 500 || $.level = "error") && $.service != "search" }'),
    watch('watch-regex', 'app', '%timed? out%'),
    watch(
      'watch-delimited-regex',
      'access',
      `[ip, ident, user, timestamp, request = %/api/[a-z]+%, status, bytes, referer, agent]`,
    ),
    watch('watch-delimited-or', 'access', `${ACCESS.slice(0, -1).replace('status', 'status = 404 || status = 503')}]`),
    watch('watch-every', '*', ''),
  ];
}
