import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../core/clock.js';
import { IngestRateLimit } from './ingest-rate-limit.js';

describe('ingest rate limit', () => {
  it('lets a burst through, then refuses whole requests with the seconds to wait, per token', () => {
    const clock = new FakeClock();
    const limit = new IngestRateLimit(clock, { perSecond: 100, burst: 300 });
    assert.equal(limit.take('a', 300), undefined);
    assert.equal(limit.take('a', 150), 2);
    assert.equal(limit.take('b', 300), undefined, 'another token has its own bucket');
    clock.advance(1500);
    assert.equal(limit.take('a', 150), undefined);
    assert.equal(limit.take('a', 1), 1);
  });

  it('measures a request larger than the burst against the burst', () => {
    const clock = new FakeClock();
    const limit = new IngestRateLimit(clock, { perSecond: 10, burst: 20 });
    assert.equal(limit.take('a', 1000), undefined);
    assert.equal(limit.take('a', 1000), 2);
  });

  it('is off at 0', () => {
    const limit = new IngestRateLimit(new FakeClock(), { perSecond: 0 });
    assert.equal(limit.enabled, false);
    assert.equal(limit.take('a', 1e9), undefined);
  });
});
