import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { LoginLimiter } from './login-limiter.js';

function refusal(fn: () => void): { retryAfterSeconds: number } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.equal((err as { code: string }).code, 'rate_limited');
    return (err as { details: { retryAfterSeconds: number } }).details;
  }
}

describe('login limiter', () => {
  it('allows 5 failures per name and address, then one every 3 minutes; a success refills', () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(clock);
    for (let i = 0; i < 5; i++) {
      limiter.check('ada', '10.0.0.1');
      limiter.failed('ada', '10.0.0.1');
    }
    assert.deepEqual(
      refusal(() => limiter.check('ada', '10.0.0.1')),
      { retryAfterSeconds: 180 },
    );
    // Other names from that address, and that name from another address, still go.
    limiter.check('bob', '10.0.0.1');
    limiter.check('ada', '10.0.0.2');
    clock.advance(179_000);
    assert.ok(refusal(() => limiter.check('ada', '10.0.0.1')));
    clock.advance(1000);
    limiter.check('ada', '10.0.0.1');
    limiter.succeeded('ada', '10.0.0.1');
    for (let i = 0; i < 5; i++) limiter.failed('ada', '10.0.0.1');
    assert.ok(refusal(() => limiter.check('ada', '10.0.0.1')));
    limiter.succeeded('ada', '10.0.0.1');
    limiter.check('ada', '10.0.0.1');
  });

  it('allows 50 failures per address over all names', () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(clock);
    for (let i = 0; i < 50; i++) limiter.failed(`user${i}`, '10.0.0.9');
    const r = refusal(() => limiter.check('someone-new', '10.0.0.9'));
    assert.equal(r?.retryAfterSeconds, 18);
    limiter.check('someone-new', '10.0.0.10');
  });

  it('forgets buckets a window after their last failure', () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(clock);
    for (let i = 0; i < 5; i++) limiter.failed('ada', '10.0.0.1');
    limiter.prune();
    assert.ok(refusal(() => limiter.check('ada', '10.0.0.1')));
    clock.advance(15 * 60_000 + 1);
    limiter.prune();
    limiter.check('ada', '10.0.0.1');
  });
});
