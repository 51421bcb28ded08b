/**
 * Realistic log lines for the storage tests and bench/logs/store-bench.ts: Apache access log lines (combined
 * format: a pool of client addresses, paths with ids, referrers and user agents, statuses and sizes) and JSON
 * application log lines (request ids, latencies, levels, services), from a seeded generator so runs compare.
 */
import type { LogEvent } from '@tocsin/protocol';

/** A seeded pseudo-random source in [0, 1). */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const methods = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const statuses = [200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 304, 400, 401, 403, 404, 404, 500, 502, 503];
const paths = [
  (n: number) => `/api/v1/users/${n}`,
  (n: number) => `/api/v1/orders/${n}/items?page=${n % 7}`,
  () => '/index.html',
  (n: number) => `/static/js/app.${(n % 9973).toString(16)}.js`,
  () => '/healthz',
  (n: number) => `/search?q=item${n % 1000}&sort=price`,
  (n: number) => `/images/products/${n % 5000}.jpg`,
];
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  'kube-probe/1.28',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const referrers = ['-', '-', 'https://www.example.com/', 'https://www.google.com/', 'https://shop.example.com/cart'];
const services = ['checkout', 'billing', 'search', 'inventory', 'auth'];
const levels = ['info', 'info', 'info', 'info', 'info', 'debug', 'debug', 'warn', 'error'];
const messages = [
  'request handled',
  'cache miss, loading from database',
  'payment authorised',
  'user signed in',
  'slow query',
  'upstream returned an error',
  'retrying request',
];

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const pad = (n: number) => String(n).padStart(2, '0');

function hex(rand: () => number, digits: number): string {
  let s = '';
  while (s.length < digits)
    s += Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, digits);
}

/** One Apache combined log line at `time`. */
export function apacheLine(rand: () => number, time: number): string {
  const d = new Date(time);
  const stamp =
    `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const octet = (n: number) => Math.floor(rand() * n);
  const ip = `${10 + octet(3)}.${octet(40)}.${octet(256)}.${octet(256)}`;
  const n = Math.floor(rand() * 100_000);
  const status = pick(rand, statuses);
  const bytes = status === 304 || status === 204 ? 0 : Math.floor(rand() * 40_000);
  const user = rand() < 0.8 ? '-' : `user${n % 300}`;
  return (
    `${ip} - ${user} [${stamp}] "${pick(rand, methods)} ${pick(rand, paths)(n)} HTTP/1.1" ${status} ${bytes} ` +
    `"${pick(rand, referrers)}" "${pick(rand, agents)}"`
  );
}

/** One JSON application log line at `time`. */
export function jsonAppLine(rand: () => number, time: number): string {
  const level = pick(rand, levels);
  const line: Record<string, unknown> = {
    time: new Date(time).toISOString(),
    level,
    service: pick(rand, services),
    msg: level === 'error' ? 'Task timed out after 30.00 seconds' : pick(rand, messages),
    requestId: `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`,
    latencyMs: Math.floor(rand() * rand() * 2000),
    http: {
      method: pick(rand, methods),
      path: pick(rand, paths)(Math.floor(rand() * 100_000)),
      status: pick(rand, statuses),
    },
    userId: Math.floor(rand() * 50_000),
  };
  if (level === 'error') line.error = { type: 'TimeoutError', stack: 'at handler (/var/task/index.js:42:13)' };
  return JSON.stringify(line);
}

/** `count` events of `group`, one every `stepMs` from `start`, alternating Apache and JSON lines (or one kind). */
export function sampleEvents(
  count: number,
  options: { group?: string; start?: number; stepMs?: number; seed?: number; kind?: 'apache' | 'json' | 'mixed' } = {},
): LogEvent[] {
  const rand = seededRandom(options.seed ?? 7);
  const start = options.start ?? 1_764_633_600_000;
  const step = options.stepMs ?? 10;
  const kind = options.kind ?? 'mixed';
  const out: LogEvent[] = [];
  // One resource object per host, as a decoder gives every event of one request the same.
  const hosts = [0, 1, 2, 3].map((h) => ({ 'host.name': `ip-10-0-1-${h}`, 'cloud.region': 'eu-west-1' }));
  for (let i = 0; i < count; i++) {
    const time = start + Math.floor(i * step);
    const apache = kind === 'apache' || (kind === 'mixed' && i % 2 === 0);
    const level = apache ? 9 : 9 + Math.floor(rand() * 9);
    out.push({
      time,
      observedTime: time + Math.floor(rand() * 50),
      group: options.group ?? 'app',
      stream: apache ? `web-${i % 4}` : `api-${i % 3}`,
      source: apache ? 'apache' : pick(rand, services),
      stage: 'prod',
      level,
      levelText: level >= 17 ? 'ERROR' : level >= 13 ? 'WARN' : 'INFO',
      message: apache ? apacheLine(rand, time) : jsonAppLine(rand, time),
      attributes: {},
      resource: hosts[Math.floor(i / 500) % 4]!,
    });
  }
  return out;
}

/** The NDJSON bytes of events, as they came in (the "raw bytes" the stored size is measured against). */
export function ndjsonBytes(events: readonly LogEvent[]): number {
  let n = 0;
  for (const e of events) n += Buffer.byteLength(JSON.stringify(e)) + 1;
  return n;
}

/** `n` NDJSON lines of `POST /api/logs` as applications write them (level words, attributes), one ms apart. */
export function realisticNdjsonLines(n: number, now = 1_700_000_000_000): string[] {
  const paths = ['/api/orders', '/api/users/42', '/healthz', '/api/cart/checkout'];
  const levels = ['info', 'INFO', 'warn', 'error', 'debug'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const path = paths[i % paths.length];
    out.push(
      JSON.stringify({
        time: now + i,
        source: i % 3 ? 'checkout' : 'billing',
        stage: 'prod',
        level: levels[i % levels.length],
        message: `GET ${path} ${200 + (i % 4) * 100} ${(i * 7) % 900}ms request_id=${i.toString(16).padStart(8, '0')}`,
        attributes: { 'http.method': 'GET', 'http.route': path, status: 200 + (i % 4) * 100, latency_ms: i % 900 },
      }),
    );
  }
  return out;
}
