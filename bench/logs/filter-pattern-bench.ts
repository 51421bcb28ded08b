/**
 * bench/logs/filter-pattern-bench: events a second through one compiled
 * filter pattern, for each pattern kind, on 100,000 realistic lines (half
 * Apache access log, half JSON application log), beside a plain JavaScript
 * regex and JSON.parse over the same lines in the same run. Events are built
 * before each timed round as the route stage builds them (one per line, JSON
 * not parsed yet), so a JSON pattern pays the parse and a space-delimited one
 * the split unless its literal pre-check decides first. Each pattern is timed
 * on the lines it matches and on those it does not, with its pre-check
 * (`compileFilterPattern`) and without it (the full test alone, as before the
 * pre-check existed); the last figures run every pattern on every line, as
 * 10 rules would, sharing one event per line.
 *
 *   node -C source --import tsx bench/logs/filter-pattern-bench.ts [--lines 100000 --rounds 5]
 */
import { parseArgs } from 'node:util';
import { compileNode } from '../../packages/server/src/logs/filter-pattern-match.js';
import { parseFilterPattern } from '../../packages/server/src/logs/filter-pattern-parser.js';
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

/** Best lines a second over the rounds, on fresh events (nothing split or parsed) of `subset`. */
function rate(subset: string[], run: (events: FilterEvent[]) => number, perLine = 1): { perSecond: number; n: number } {
  let best = Number.POSITIVE_INFINITY;
  let n = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const events = subset.map((l) => createFilterEvent(l));
    const t0 = process.hrtime.bigint();
    n = run(events);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { perSecond: subset.length === 0 ? 0 : Math.round((subset.length * perLine) / best), n };
}
const fmt = (x: number) => x.toLocaleString('en-US').padStart(12);
const label = (text: string, width = 56) =>
  (text.length > width ? `${text.slice(0, width - 3)}...` : text).padEnd(width);

function baseline(text: string, run: (events: FilterEvent[]) => number): void {
  const { perSecond, n } = rate(lines, run);
  console.log(`${label(text, 70)} ${fmt(perSecond)} lines/s ${String(n).padStart(7)} hit`);
}

console.log(`${LINES.toLocaleString('en-US')} lines, best of ${ROUNDS} rounds, one core; lines/s`);
const plain = /ERROR|error/;
baseline('baseline: plain RegExp /ERROR|error/.test(line)', () => lines.filter((l) => plain.test(l)).length);
const status5 = /" 5\d\d \d+$/;
baseline('baseline: plain RegExp /" 5\\d\\d \\d+$/', () => lines.filter((l) => status5.test(l)).length);
const jsonLines = lines.filter((l) => l.startsWith('{'));
const parse = rate(jsonLines, () => jsonLines.filter((l) => JSON.parse(l)).length);
console.log(`${label('baseline: JSON.parse, on the JSON lines only', 70)} ${fmt(parse.perSecond)} lines/s`);

const patterns = [
  'error',
  '?timed ?Timeout ?ERROR',
  'error -billing "timed out"',
  '{ $.level = "error" && $.latency > 500 }',
  '{ ($.http.status >= 500 || $.level = err*) && $.service != search }',
  '{ $.tags[*] = prod }',
  '{ $.latency > 1000 }',
  '[ip, user, username, timestamp, request = *api*, status_code = 5*, bytes > 1000]',
  '[ip, user, username, timestamp, request, status_code, bytes > 1000]',
  '[..., status_code = 404 || status_code = 503, bytes]',
  '%timed out after [0-9]+\\.[0-9]+ seconds%',
  '{ $.msg = %timed out% }',
];
const count = (test: (e: FilterEvent) => boolean) => (events: FilterEvent[]) => {
  let n = 0;
  for (const event of events) if (test(event)) n++;
  return n;
};
const columns = ['matched', 'no pre', 'not matched', 'no pre'];
console.log(`${''.padEnd(56)} ${columns.map((c) => c.padStart(12)).join(' ')}`);
for (const pattern of patterns) {
  const withPre = compileFilterPattern(pattern);
  const full = compileNode(parseFilterPattern(pattern).node);
  const yes = lines.filter((l) => full(createFilterEvent(l)));
  const no = lines.filter((l) => !full(createFilterEvent(l)));
  const figures = [
    rate(yes, count(withPre.matches)),
    rate(yes, count(full)),
    rate(no, count(withPre.matches)),
    rate(no, count(full)),
  ];
  if (figures[0]!.n !== yes.length || figures[2]!.n !== 0)
    throw new Error(`${pattern}: the pre-check changed a result`);
  console.log(`${label(pattern)} ${figures.map((f) => fmt(f.perSecond)).join(' ')}  (${yes.length} matched)`);
}
const all = patterns.map(compileFilterPattern);
const allFull = patterns.map((p) => compileNode(parseFilterPattern(p).node));
for (const [text, tests] of [
  [`all ${all.length} patterns on each line, with pre-checks`, all.map((p) => p.matches)],
  [`all ${all.length} patterns on each line, without`, allFull],
] as const) {
  const r = rate(
    lines,
    (events) => {
      let n = 0;
      for (const event of events) for (const t of tests) if (t(event)) n++;
      return n;
    },
    1,
  );
  console.log(
    `${label(text, 70)} ${fmt(r.perSecond)} lines/s (${fmt(r.perSecond * tests.length).trim()} rule tests/s)`,
  );
}
