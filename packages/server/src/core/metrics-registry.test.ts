import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { silentLogger } from './logger.js';
import { MetricsRegistry } from './metrics-registry.js';
import { Scheduler } from '../scheduler/scheduler.js';

/** What `promtool check metrics` objects to here: a `quantile` label outside a summary, `le` outside a histogram, a summary without _sum and _count. */
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
    if (kind === 'summary' && !(seen.has(`${family}_sum`) && seen.has(`${family}_count`))) problems.push(`${family}: summary without _sum and _count`);
  }
  return problems;
}

describe('metrics registry', () => {
  it('exposes the scheduler lag percentiles as a summary with quantiles, _sum and _count', async () => {
    const clock = new FakeClock(0);
    const registry = new MetricsRegistry();
    const s = new Scheduler(clock, silentLogger, registry);
    s.addJob({ name: 'check', concurrency: 10, run: async () => null });
    s.schedule('check', 'a', 100);
    s.schedule('check', 'b', 400);
    clock.advance(600);
    assert.equal(await s.runDue(), 2);
    const text = await registry.render();
    const lines = text.split('\n').filter((l) => l.includes('tocsin_scheduler_lag_recent_seconds'));
    assert.deepEqual(lines, [
      '# HELP tocsin_scheduler_lag_recent_seconds Lag percentiles over the last 4096 starts; sum and count of all starts.',
      '# TYPE tocsin_scheduler_lag_recent_seconds summary',
      'tocsin_scheduler_lag_recent_seconds{quantile="0.5"} 0.5',
      'tocsin_scheduler_lag_recent_seconds{quantile="0.9"} 0.5',
      'tocsin_scheduler_lag_recent_seconds{quantile="0.99"} 0.5',
      'tocsin_scheduler_lag_recent_seconds_sum 0.7',
      'tocsin_scheduler_lag_recent_seconds_count 2',
    ]);
    assert.deepEqual(expositionProblems(text), []);
  });

  it('renders labelled summaries and flags a quantile label outside a summary', async () => {
    const registry = new MetricsRegistry();
    registry.summary('x_seconds', 'X.', () => [{ labels: { job: 'a' }, quantiles: [[0.5, 1]], sum: 3, count: 2 }]);
    registry.gauge('y_seconds', 'Y.', () => [{ labels: { quantile: '0.5' }, value: 1 }]);
    const text = await registry.render();
    assert.ok(text.includes('x_seconds{job="a",quantile="0.5"} 1\nx_seconds_sum{job="a"} 3\nx_seconds_count{job="a"} 2'));
    assert.deepEqual(expositionProblems(text), ['y_seconds: quantile label on a gauge']);
  });
});
