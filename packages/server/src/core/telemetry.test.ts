import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { silentLogger } from './logger.js';
import { Telemetry } from './telemetry.js';
import { Scheduler } from '../scheduler/scheduler.js';

/**
 * What `promtool check metrics` objects to here: a `quantile` label outside a summary, `le` outside a histogram,
 * a summary without _sum and _count, a counter not named *_total and a non-counter named so.
 */
function expositionProblems(text: string): string[] {
  const types = new Map<string, string>();
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    seen.add(name);
    const family = types.get(name) ? name : name.replace(/_(sum|count|bucket)$/, '');
    const kind = types.get(family);
    if (!kind) problems.push(`${name}: no TYPE`);
    if (/[{,]quantile="/.test(line) && kind !== 'summary') problems.push(`${name}: quantile label on a ${kind}`);
    if (/[{,]le="/.test(line) && kind !== 'histogram') problems.push(`${name}: le label on a ${kind}`);
  }
  for (const [family, kind] of types) {
    if (kind === 'summary' && !(seen.has(`${family}_sum`) && seen.has(`${family}_count`)))
      problems.push(`${family}: summary without _sum and _count`);
    if (kind === 'counter' && !family.endsWith('_total')) problems.push(`${family}: counter not named *_total`);
    if (kind !== 'counter' && family.endsWith('_total')) problems.push(`${family}: ${kind} named *_total`);
  }
  return problems;
}

const linesOf = (text: string, name: string) => text.split('\n').filter((l) => l.includes(name));
const sampleValue = (text: string, sample: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${sample} `))
      ?.split(' ')[1],
  );

describe('telemetry', () => {
  it('exposes the scheduler lag percentiles as a summary with quantiles, _sum and _count', async () => {
    const clock = new FakeClock(0);
    const telemetry = new Telemetry();
    const s = new Scheduler(clock, silentLogger, telemetry);
    s.addJob({ name: 'check', concurrency: 10, run: async () => null });
    s.schedule('check', 'a', 100);
    s.schedule('check', 'b', 400);
    clock.advance(600);
    assert.equal(await s.runDue(), 2);
    const text = await telemetry.render();
    const lines = linesOf(text, 'tocsin_scheduler_lag_recent_seconds');
    assert.deepEqual(lines.slice(0, 2), [
      '# HELP tocsin_scheduler_lag_recent_seconds ' +
        'Lag percentiles over the last 30 to 60 s; sum and count of all starts.',
      '# TYPE tocsin_scheduler_lag_recent_seconds summary',
    ]);
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(' ')[0]),
      ['0.5', '0.9', '0.99']
        .map((q) => `tocsin_scheduler_lag_recent_seconds{quantile="${q}"}`)
        .concat('tocsin_scheduler_lag_recent_seconds_sum', 'tocsin_scheduler_lag_recent_seconds_count'),
    );
    const p50 = sampleValue(text, 'tocsin_scheduler_lag_recent_seconds{quantile="0.5"}');
    assert.ok(p50 >= 0.2 && p50 <= 0.5, `p50 ${p50}`);
    assert.equal(sampleValue(text, 'tocsin_scheduler_lag_recent_seconds{quantile="0.99"}'), 0.5);
    assert.equal(sampleValue(text, 'tocsin_scheduler_lag_recent_seconds_sum'), 0.7);
    assert.equal(sampleValue(text, 'tocsin_scheduler_lag_recent_seconds_count'), 2);
    assert.equal(sampleValue(text, 'tocsin_scheduler_lag_seconds_sum{job="check"}'), 0.7);
    assert.equal(sampleValue(text, 'tocsin_scheduler_lag_seconds_bucket{le="0.25",job="check"}'), 1);
    assert.deepEqual(expositionProblems(text), []);
  });

  it('forgets lags older than the window in the quantiles, not in _sum and _count', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    const telemetry = new Telemetry({ processMetrics: false });
    const lag = telemetry.summary('lag_seconds', 'Lag.', {
      percentiles: [0.5, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 5,
    });
    for (let i = 0; i < 100; i++) lag.observe(10);
    t.mock.timers.tick(61_000);
    for (let i = 0; i < 100; i++) lag.observe(0.1);
    const text = await telemetry.render();
    assert.equal(sampleValue(text, 'lag_seconds{quantile="0.99"}'), 0.1);
    assert.equal(sampleValue(text, 'lag_seconds_count'), 200);
    assert.ok(Math.abs(sampleValue(text, 'lag_seconds_sum') - 1010) < 1e-6);
  });

  it('renders labelled summaries and async gauges, and flags a quantile label outside a summary', async () => {
    const telemetry = new Telemetry({ processMetrics: false });
    telemetry.summary('x_seconds', 'X.', () => [{ labels: { job: 'a' }, quantiles: [[0.5, 1]], sum: 3, count: 2 }]);
    telemetry.gauge('y_seconds', 'Y.', () => [{ labels: { quantile: '0.5' }, value: 1 }]);
    telemetry.gauge('z_items', 'Z "quoted"\nhelp.', async () => [
      { labels: { state: 'a"b\\c\nd' }, value: 4 },
      { labels: { state: 'up' }, value: 2 },
    ]);
    const text = await telemetry.render();
    assert.ok(
      text.includes('x_seconds{job="a",quantile="0.5"} 1\nx_seconds_sum{job="a"} 3\nx_seconds_count{job="a"} 2'),
    );
    assert.ok(
      text.includes(
        '# HELP z_items Z "quoted"\\nhelp.\n# TYPE z_items gauge\n' +
          'z_items{state="a\\"b\\\\c\\nd"} 4\nz_items{state="up"} 2',
      ),
    );
    assert.deepEqual(expositionProblems(text), ['y_seconds: quantile label on a gauge']);
  });

  it('counts with the labels of each call and keeps a series per label set', async () => {
    const telemetry = new Telemetry({ processMetrics: false });
    const sent = telemetry.counter('sent_total', 'Sent.');
    sent.inc({ protocol: 'webhook', outcome: 'dead' });
    sent.inc({ outcome: 'delivered', protocol: 'webhook' }, 2);
    sent.inc({ protocol: 'webhook', outcome: 'delivered' });
    const text = await telemetry.render();
    assert.deepEqual(linesOf(text, 'sent_total{').sort(), [
      'sent_total{outcome="delivered",protocol="webhook"} 3',
      'sent_total{protocol="webhook",outcome="dead"} 1',
    ]);
  });

  it("adds the process's CPU, memory, heap, GC and event-loop lag, all as promtool accepts them", async () => {
    const text = await new Telemetry().render();
    for (const family of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    }
    assert.ok(sampleValue(text, 'process_resident_memory_bytes') > 0);
    assert.deepEqual(expositionProblems(text), []);
  });
});
