/**
 * bench/logs/filter-pattern-bench: events a second through one compiled
 * filter pattern, for each pattern kind, on 100,000 realistic lines (half
 * Apache access log, half JSON application log), beside a plain JavaScript
 * regex over the same lines in the same run. The JSON lines are parsed once
 * before timing (the pipeline parses each line once for all its rules); that
 * parse is timed on its own as a second baseline. Events are built before
 * each timed round (the pipeline builds one per line for all its rules), and
 * the last figure runs every pattern on every line, as 10 rules would.
 *
 *   node -C source --import tsx bench/logs/filter-pattern-bench.ts [-- --lines 100000 --rounds 5]
 */
import { parseArgs } from 'node:util';
import {
  type FilterEvent,
  compileFilterPattern,
  createFilterEvent,
} from '../../packages/server/src/logs/filter-pattern.js';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);

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
  const status = pick(statuses);
  const minute = String(i % 60).padStart(2, '0');
  const bytes = Math.floor(rand() * 20_000);
  return `${ip} - user${i % 50} [10/Oct/2025:13:${minute}:15 -0700] "GET ${pick(paths)} HTTP/1.1" ${status} ${bytes}`;
}
function jsonLine(i: number): string {
  const level = pick(levels);
  return JSON.stringify({
    time: 1_760_000_000_000 + i,
    level,
    service: pick(['checkout', 'billing', 'search']),
    msg: level === 'error' ? 'Task timed out after 30.00 seconds' : 'request handled',
    latency: Math.floor(rand() * 1200),
    http: { method: pick(['GET', 'POST']), status: pick(statuses) },
    tags: ['a', pick(['b', 'prod', 'staging'])],
  });
}

const lines = Array.from({ length: LINES }, (_, i) => (i % 2 === 0 ? apacheLine(i) : jsonLine(i)));
const parsed = lines.map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined));

function time(label: string, run: (events: FilterEvent[]) => number, perLine = 1): void {
  let best = Number.POSITIVE_INFINITY;
  let matched = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const events = lines.map((l, i) => createFilterEvent(l, parsed[i]));
    const t0 = process.hrtime.bigint();
    matched = run(events);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const perSecond = Math.round((LINES * perLine) / best).toLocaleString('en-US');
  console.log(`${label.padEnd(64)} ${perSecond.padStart(14)} lines/s  ${String(matched).padStart(7)} matched`);
}

console.log(`${LINES.toLocaleString('en-US')} lines, best of ${ROUNDS} rounds, one core`);
const plain = /ERROR|error/;
time('baseline: plain RegExp /ERROR|error/.test(line)', () => lines.filter((l) => plain.test(l)).length);
const status5 = /" 5\d\d \d+$/;
time('baseline: plain RegExp /" 5\\d\\d \\d+$/', () => lines.filter((l) => status5.test(l)).length);
time('baseline: JSON.parse of each JSON line', () => lines.filter((l) => l.startsWith('{') && JSON.parse(l)).length);

const patterns = [
  'error',
  '?timed ?Timeout ?ERROR',
  'error -billing "timed out"',
  '{ $.level = "error" && $.latency > 500 }',
  '{ ($.http.status >= 500 || $.level = err*) && $.service != search }',
  '{ $.tags[*] = prod }',
  '[ip, user, username, timestamp, request = *api*, status_code = 5*, bytes > 1000]',
  '[..., status_code = 404 || status_code = 503, bytes]',
  '%timed out after [0-9]+\\.[0-9]+ seconds%',
  '{ $.msg = %timed out% }',
];
time(
  'building one event per line (createFilterEvent)',
  () => lines.map((l, i) => createFilterEvent(l, parsed[i])).length,
);
for (const pattern of patterns) {
  const p = compileFilterPattern(pattern);
  time(pattern.length > 62 ? `${pattern.slice(0, 59)}...` : pattern, (events) => {
    let n = 0;
    for (const event of events) if (p.matches(event)) n++;
    return n;
  });
}
const all = patterns.map(compileFilterPattern);
time(
  `all ${all.length} patterns on each line (rule evaluations a second)`,
  (events) => {
    let n = 0;
    for (const event of events) for (const p of all) if (p.matches(event)) n++;
    return n;
  },
  all.length,
);
