/**
 * bench/logs/filter-pattern-bench: events a second through one compiled
 * filter pattern, for each pattern kind, on 100,000 realistic lines (half
 * Apache access log, half JSON application log), beside a plain JavaScript
 * regex and JSON.parse over the same lines in the same run. Events are built
 * before each timed round as the route stage builds them (one per line, JSON
 * not parsed yet), so a JSON pattern pays the parse and a space-delimited one
 * its scan unless its literal pre-check decides first. Each pattern is timed
 * on the lines it matches and on those it does not: as compiled
 * (`compileFilterPattern`), without the pre-check (the full test alone), and,
 * with `--against`, as another checkout's filter-pattern.ts compiles it (the
 * code before a change). The variants run in turn within each round, so a
 * loaded machine slows them alike; the figure is the best round. The last
 * figures run every pattern on every line, as 12 rules would, one event each.
 *
 * Measured (2026-12-02, 50,000 lines, 2 shared cores at load 6-8, so only ratios within a run mean much), now
 * vs. before (main at 3b85747): lines not matched, with a literal to check: JSON 1.8-4.7M/s (was 0.36-0.51M,
 * bounded by JSON.parse at 0.35M), space-delimited 2.7-4.1M/s (was 0.25-0.35M); lines fully checked:
 * space-delimited 0.47-0.94M/s (was 0.19-0.48M), JSON 0.18-0.42M/s (bounded by the parse); 12 rules on each
 * line 129k lines/s (was 80k).
 *
 *   node -C source --import tsx bench/logs/filter-pattern-bench.ts [--lines 100000 --rounds 5]
 *     [--against /work/main/packages/server/src/logs/filter-pattern.ts]
 */
import { parseArgs } from 'node:util';
import { compileNode } from '../../packages/server/src/logs/filter-pattern-match.js';
import { parseFilterPattern } from '../../packages/server/src/logs/filter-pattern-parser.js';
import * as current from '../../packages/server/src/logs/filter-pattern.js';
import type { FilterEvent } from '../../packages/server/src/logs/filter-pattern.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    against: { type: 'string' },
  },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const before: typeof current | undefined = values.against ? await import(values.against) : undefined;

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

type Test = (event: FilterEvent) => boolean;
interface Variant {
  make: (line: string) => FilterEvent; // each variant builds events with its own module
  test: Test;
}

/** Best lines a second of each variant over the rounds, the variants in turn, on fresh events of `subset`. */
function rates(subset: string[], variants: Variant[], perLine = 1): Array<{ perSecond: number; n: number }> {
  const best = variants.map(() => Number.POSITIVE_INFINITY);
  const n = variants.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach((v, i) => {
      const events = subset.map(v.make);
      const t0 = process.hrtime.bigint();
      let hits = 0;
      for (const event of events) if (v.test(event)) hits++;
      best[i] = Math.min(best[i]!, Number(process.hrtime.bigint() - t0) / 1e9);
      n[i] = hits;
    });
  }
  return best.map((b, i) => ({
    perSecond: subset.length === 0 ? 0 : Math.round((subset.length * perLine) / b),
    n: n[i]!,
  }));
}
const fmt = (x: number) => x.toLocaleString('en-US').padStart(12);
const label = (text: string, width = 56) =>
  (text.length > width ? `${text.slice(0, width - 3)}...` : text).padEnd(width);
const make = (line: string) => current.createFilterEvent(line);

function baseline(text: string, test: (line: string) => boolean, subset = lines): void {
  const [r] = rates(subset, [{ make, test: (e) => test(e.message) }]);
  console.log(`${label(text, 70)} ${fmt(r!.perSecond)} lines/s ${String(r!.n).padStart(7)} hit`);
}

console.log(`${LINES.toLocaleString('en-US')} lines, best of ${ROUNDS} rounds, one core; lines/s`);
const plain = /ERROR|error/;
baseline('baseline: plain RegExp /ERROR|error/.test(line)', (l) => plain.test(l));
const status5 = /" 5\d\d \d+$/;
baseline('baseline: plain RegExp /" 5\\d\\d \\d+$/', (l) => status5.test(l));
const jsonLines = lines.filter((l) => l.startsWith('{'));
baseline('baseline: JSON.parse, on the JSON lines only', (l) => JSON.parse(l) !== null, jsonLines);

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
function variantsOf(pattern: string): Variant[] {
  const out: Variant[] = [
    { make, test: current.compileFilterPattern(pattern).matches },
    { make, test: compileNode(parseFilterPattern(pattern).node) },
  ];
  if (before) {
    const test = before.compileFilterPattern(pattern).matches;
    out.push({ make: (line) => before.createFilterEvent(line), test });
  }
  return out;
}
const names = ['now', 'no pre', ...(before ? ['before'] : [])];
const columns = [...names.map((c) => `hit ${c}`), ...names.map((c) => `miss ${c}`)];
console.log(`${''.padEnd(56)} ${columns.map((c) => c.padStart(12)).join(' ')}`);
for (const pattern of patterns) {
  const full = compileNode(parseFilterPattern(pattern).node);
  const yes = lines.filter((l) => full(make(l)));
  const no = lines.filter((l) => !full(make(l)));
  const variants = variantsOf(pattern);
  const hit = rates(yes, variants);
  const miss = rates(no, variants);
  if (hit.some((r) => r.n !== yes.length) || miss.some((r) => r.n !== 0)) throw new Error(`${pattern}: results differ`);
  const figures = [...hit, ...miss].map((f) => fmt(f.perSecond)).join(' ');
  console.log(`${label(pattern)} ${figures}  (${yes.length} hit)`);
}
const allOf =
  (tests: Test[]): Test =>
  (event) => {
    let n = 0;
    for (const t of tests) if (t(event)) n++;
    return n > 0;
  };
const allVariants: Variant[] = [
  { make, test: allOf(patterns.map((p) => current.compileFilterPattern(p).matches)) },
  { make, test: allOf(patterns.map((p) => compileNode(parseFilterPattern(p).node))) },
];
if (before) {
  const tests = patterns.map((p) => before.compileFilterPattern(p).matches);
  allVariants.push({ make: (line) => before.createFilterEvent(line), test: allOf(tests) });
}
rates(lines, allVariants).forEach((r, i) => {
  const text = `all ${patterns.length} patterns on each line: ${names[i]}`;
  console.log(`${label(text, 70)} ${fmt(r.perSecond)} lines/s (${fmt(r.perSecond * patterns.length).trim()} tests/s)`);
});
