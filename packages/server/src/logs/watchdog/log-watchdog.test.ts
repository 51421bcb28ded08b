import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { EventInput } from '@tocsin/protocol';
import { FakeClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import type { DeadLetter } from '../../notify/dead-letter-hooks.js';
import { LogWatchdog } from './log-watchdog.js';
import { rise, totalsOfStatus, type PipelineTotals } from './pipeline-totals.js';

const WINDOW = 5 * 60_000;

function dead(topic: string, error = 'status 400: bad'): DeadLetter {
  return { deliveryId: 'd', topic, subscription: 'hook', protocol: 'webhook', error, status: 400, at: 0 };
}

describe('log watchdog', () => {
  let clock: FakeClock;
  let totals: PipelineTotals;
  let published: EventInput[];
  let topicExists: boolean;
  let failPublish: boolean;
  let watchdog: LogWatchdog;

  beforeEach(() => {
    clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
    totals = { dropped: {}, stageFailures: {} };
    published = [];
    topicExists = true;
    failPublish = false;
    watchdog = new LogWatchdog({
      topic: 'pipeline-watchdog',
      windowMs: WINDOW,
      nodeId: 'node-a',
      clock,
      logger: silentLogger,
      totals: () => totals,
      async publish(input) {
        if (failPublish) throw new Error('database is locked');
        if (!topicExists) return false;
        published.push(input);
        return true;
      },
    });
  });

  const kinds = () => published.map((e) => e.kind);

  it('raises a dead letter at the next check, then at most once a window with the counts since', async () => {
    watchdog.deadLetter(dead('errors', 'status 410: gone'));
    await watchdog.check();
    assert.deepEqual(kinds(), ['pipeline.dead_letter']);
    assert.equal(published[0].title, '1 delivery dead-lettered in the last 5m');
    assert.equal(published[0].severity, 'error');
    assert.deepEqual(published[0].attributes?.by, { 'errors/hook': 1 });
    assert.match(published[0].text ?? '', /errors\/hook \(webhook\): status 410: gone/);

    watchdog.deadLetter(dead('errors'));
    watchdog.deadLetter(dead('alerts'));
    clock.advance(WINDOW - 1000);
    await watchdog.check();
    assert.equal(published.length, 1, 'not twice in one window');
    clock.advance(1000);
    await watchdog.check();
    assert.equal(published.length, 2);
    assert.equal(published[1].attributes?.count, 2);
    assert.deepEqual(published[1].attributes?.by, { 'errors/hook': 1, 'alerts/hook': 1 });
    clock.advance(WINDOW);
    await watchdog.check();
    assert.equal(published.length, 2, 'nothing new, nothing raised');
  });

  it('never raises for dead letters of its own topic', async () => {
    watchdog.deadLetter(dead('pipeline-watchdog'));
    watchdog.deadLetter(dead('pipeline-watchdog'));
    await watchdog.check();
    clock.advance(WINDOW);
    await watchdog.check();
    assert.deepEqual(published, []);
    assert.equal(watchdog.status().ownDeadLetters, 2);
  });

  it('reads refused ingest, drops and stage failures from the counters as they rise, each its own kind', async () => {
    totals = { dropped: { backpressure: 10, rate_limited: 4, loop: 2 }, stageFailures: { routes: 1 } };
    await watchdog.check();
    assert.deepEqual(kinds().sort(), ['pipeline.dropped', 'pipeline.ingest_refused', 'pipeline.rule_error']);
    const refused = published.find((e) => e.kind === 'pipeline.ingest_refused');
    assert.equal(refused?.attributes?.count, 14);
    assert.match(refused?.text ?? '', /backpressure \(503\): 10/);
    assert.match(refused?.text ?? '', /rate_limited \(429\): 4/);
    assert.deepEqual(published.find((e) => e.kind === 'pipeline.dropped')?.attributes?.by, { loop: 2 });

    // More refused within the window: counted, raised once the window has passed, with the rise only.
    totals = { dropped: { backpressure: 25, rate_limited: 4, loop: 2 }, stageFailures: { routes: 1 } };
    await watchdog.check();
    assert.equal(published.length, 3);
    assert.deepEqual(watchdog.status().pending, { ingest_refused: 15 });
    clock.advance(WINDOW);
    await watchdog.check();
    assert.equal(published.length, 4);
    assert.equal(published[3].kind, 'pipeline.ingest_refused');
    assert.deepEqual(published[3].attributes?.by, { backpressure: 15 });
  });

  it('counts without publishing when the topic is missing, and keeps the counts when publishing fails', async () => {
    topicExists = false;
    watchdog.deadLetter(dead('errors'));
    await watchdog.check();
    assert.equal(watchdog.status().unpublished, 1);
    assert.equal((watchdog.status().last as Record<string, { published: boolean }>).dead_letter.published, false);

    topicExists = true;
    failPublish = true;
    clock.advance(WINDOW);
    watchdog.deadLetter(dead('errors'));
    await watchdog.check();
    assert.equal(watchdog.status().publishFailures, 1);
    assert.deepEqual(watchdog.status().pending, { dead_letter: 1 });
    failPublish = false;
    await watchdog.check();
    assert.deepEqual(kinds(), ['pipeline.dead_letter']);
    assert.deepEqual(watchdog.status().pending, {});
    assert.deepEqual(watchdog.status().raised, { dead_letter: 2 });
  });
});

describe('pipeline totals', () => {
  it('reads counts, or objects of counts by format, from the ingest part', () => {
    const totals = totalsOfStatus({
      ingested: { ndjson: 100 },
      dropped: { backpressure: { ndjson: 3, otlp: 2 }, loop: 1, bogus: 9 },
      stageFailures: { routes: 2 },
    });
    assert.deepEqual(totals, { dropped: { backpressure: 5, loop: 1 }, stageFailures: { routes: 2 } });
    assert.deepEqual(totalsOfStatus({}), { dropped: {}, stageFailures: {} });
  });

  it('takes a count that fell (a restart) as counting from zero', () => {
    assert.deepEqual(rise({ a: 5, b: 2 }, { a: 7, b: 1, c: 3 }), { a: 2, b: 1, c: 3 });
  });
});
