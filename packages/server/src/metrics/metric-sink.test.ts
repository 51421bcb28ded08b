import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeriesDatum } from './metric-service.js';
import { MetricSink } from './metric-sink.js';
import { seriesKeyOf } from './series-key.js';

describe('MetricSink', () => {
  it("watches what its watchers registered, each registration replacing that watcher's set", () => {
    const sink = new MetricSink(() => {});
    assert.equal(sink.watches('Tocsin/Monitors', 'Up', { Monitor: 'a' }), false);
    sink.watch('alarms', new Set([seriesKeyOf('Tocsin/Monitors', 'Up', { Monitor: 'a' })]));
    assert.equal(sink.watches('Tocsin/Monitors', 'Up', { Monitor: 'a' }), true);
    assert.equal(sink.watches('Tocsin/Monitors', 'Up', { Monitor: 'b' }), false);
    sink.watch('other', new Set([seriesKeyOf('Tocsin/Monitors', 'Up', { Monitor: 'b' })]));
    assert.equal(sink.watches('Tocsin/Monitors', 'Up', { Monitor: 'b' }), true);
    sink.watch('alarms', new Set());
    assert.equal(sink.watches('Tocsin/Monitors', 'Up', { Monitor: 'a' }), false);
  });

  it('records non-empty batches only', () => {
    const written: SeriesDatum[][] = [];
    const sink = new MetricSink((d) => written.push(d));
    sink.record([]);
    const datum = { namespace: 'N', name: 'M', dimensions: {}, at: 1, count: 1, sum: 1, min: 1, max: 1 };
    sink.record([datum]);
    assert.deepEqual(written, [[datum]]);
  });
});
