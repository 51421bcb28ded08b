import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { logRouteRuleSchema, type LogEvent, type LogRouteRule } from '@tocsin/protocol';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import { compileFilterPattern } from '../filter-pattern.js';
import { LogPipeline, type LogAppender, type PipelineCounters } from '../log-pipeline.js';
import { QUEUE_LIMIT, RouteStage, type QueuedEvent } from './route-stage.js';
import { BREAKER_COOLDOWN_MS, MAX_KEYS_PER_ROUTE, OVERFLOW_KEY } from './route-throttle.js';

const T0 = Date.UTC(2026, 2, 10, 12);

function rule(fields: Partial<z.input<typeof logRouteRuleSchema>> & { name: string; pattern: string }): LogRouteRule {
  return logRouteRuleSchema.parse({ kind: 'route', topics: ['pager'], ...fields });
}

function line(message: string, fields: Partial<LogEvent> = {}): LogEvent {
  return {
    time: T0,
    observedTime: T0,
    group: 'lambda',
    level: 17,
    levelText: 'ERROR',
    message,
    attributes: {},
    resource: {},
    ...fields,
  };
}

/** A pipeline with a test appender (it keeps what is stored) and the stage under test. */
function harness(rules: LogRouteRule[], options: { fail?: boolean; logger?: Logger } = {}) {
  const batches: QueuedEvent[][] = [];
  const stored: LogEvent[] = [];
  const failures: unknown[] = [];
  const appender: LogAppender = { admit: () => ({ ok: true }), append: (events) => void stored.push(...events) };
  const counters: PipelineCounters = { ingested() {}, dropped() {}, stageFailed: (_s, err) => void failures.push(err) };
  const pipeline = new LogPipeline(appender, counters);
  const stage = new RouteStage({
    publish: async (batch) => {
      if (options.fail) throw new Error('database down');
      batches.push([...batch]);
    },
    publicUrl: () => 'http://tocsin.test/',
    logger: options.logger ?? silentLogger,
    patternOf: (r) => compileFilterPattern(r.pattern),
  });
  stage.setRules(rules);
  pipeline.addStage(stage);
  const accept = (events: LogEvent[], now = T0) => pipeline.accept(events, { format: 'test' }, 100, now);
  const sent = () => batches.flat();
  return { stage, accept, batches, sent, stored, failures };
}

describe('route stage', () => {
  it("routes timeouts of function A, not of function B, and only the group's events", async () => {
    const h = harness([rule({ name: 'a-timeouts', group: 'lambda', source: 'fn-a', pattern: '"Task timed out"' })]);
    h.accept([
      line('2026-03-10T12:00:00Z Task timed out after 3.00 seconds', { source: 'fn-a' }),
      line('2026-03-10T12:00:00Z Task timed out after 3.00 seconds', { source: 'fn-b' }),
      line('Task timed out after 3.00 seconds', { source: 'fn-a', group: 'api' }),
      line('START RequestId: 1', { source: 'fn-a' }),
    ]);
    await h.stage.flush();
    assert.equal(h.stored.length, 4);
    assert.equal(h.sent().length, 1);
    const e = h.sent()[0];
    assert.deepEqual(e.topics, ['pager']);
    assert.equal(e.input.kind, 'log.match');
    assert.equal(e.input.severity, 'error');
    assert.deepEqual(e.input.source, {
      type: 'log_rule',
      name: 'a-timeouts',
      tags: { group: 'lambda', source: 'fn-a' },
    });
    assert.equal(e.input.attributes?.source, 'fn-a');
    assert.equal(e.input.attributes?.count, 1);
    assert.match(String(e.input.attributes?.queryUrl), /^http:\/\/tocsin\.test\/logs\?group=lambda&pattern=/);
    assert.equal(h.stage.statsOf('a-timeouts')?.matched, 1);
    assert.equal(h.stage.statsOf('a-timeouts')?.routed, 1);
  });

  it('groups a storm by dedup key: one notification at once, then "N more since" with samples', async () => {
    const r = rule({
      name: 'errors',
      pattern: '{ $.level = "error" }',
      title: '{source}: {$.msg}',
      dedupKey: '{source}/{$.code}',
      throttle: '60s',
      sampleLines: 2,
    });
    const h = harness([r]);
    const json = (i: number, code = 'E1') => JSON.stringify({ level: 'error', msg: `boom ${i}`, code });
    h.accept([line(json(0), { source: 'api' })]);
    for (let i = 1; i <= 10; i++) h.accept([line(json(i), { source: 'api', time: T0 + i })], T0 + i * 1000);
    h.accept([line(json(99, 'E2'), { source: 'api' })], T0 + 20_000);
    await h.stage.flush();
    assert.deepEqual(
      h.sent().map((e) => [e.input.title, e.input.dedupKey, e.input.attributes?.count]),
      [
        ['api: boom 0', 'api/E1', 1],
        ['api: boom 99', 'api/E2', 1],
      ],
    );
    assert.equal(h.stage.statsOf('errors')?.suppressed, 10);
    await h.stage.tick(T0 + 59_999);
    assert.equal(h.sent().length, 2, 'nothing before the window ends');
    await h.stage.tick(T0 + 60_000);
    const more = h.sent()[2];
    assert.equal(h.sent().length, 3, 'E2 had nothing more: no follow-up');
    assert.equal(more.input.dedupKey, 'api/E1');
    assert.equal(more.input.attributes?.count, 10);
    assert.match(String(more.input.title), /^api: boom 1 \(10 more since 2026-03-10T12:00:00\.000Z\)$/);
    const samples = more.input.attributes?.samples as string[];
    assert.equal(samples.length, 4);
    assert.deepEqual(
      samples.map((s) => JSON.parse(s.slice(s.indexOf('{'))).msg),
      ['boom 1', 'boom 2', 'boom 9', 'boom 10'],
    );
    assert.match(String(more.input.text), /^10 more since 2026-03-10T12:00:00.000Z \(rule 'errors', group 'lambda'\)/);
    // A quiet window forgets the key: the next match notifies at once again.
    await h.stage.tick(T0 + 120_000);
    assert.equal(h.stage.statsOf('errors')?.keys, 0);
    h.accept([line(json(5), { source: 'api' })], T0 + 130_000);
    await h.stage.flush();
    assert.equal(h.sent().length, 4);
    assert.equal(h.sent()[3].input.attributes?.count, 1);
  });

  it('publishes many notifications in batches, not one transaction each, off the ingest turn', async () => {
    const h = harness([rule({ name: 'each', pattern: 'ERROR', dedupKey: '{message}', maxPerMinute: 1000 })]);
    const events = Array.from({ length: 450 }, (_, i) => line(`ERROR request ${i} failed`));
    h.accept(events);
    assert.equal(h.batches.length, 0, 'nothing is published on the ingest turn');
    assert.equal(h.stage.queued, 450);
    await h.stage.flush();
    assert.deepEqual(
      h.batches.map((b) => b.length),
      [200, 200, 50],
    );
  });

  it('keeps at most MAX_KEYS_PER_ROUTE keys: the matches of further keys are counted in one', async () => {
    const h = harness([rule({ name: 'keys', pattern: 'ERROR', dedupKey: '{message}', maxPerMinute: 10_000 })]);
    h.accept(Array.from({ length: MAX_KEYS_PER_ROUTE + 500 }, (_, i) => line(`ERROR ${i}`)));
    await h.stage.flush();
    assert.equal(h.sent().length, MAX_KEYS_PER_ROUTE + 1);
    assert.equal(h.sent().at(-1)?.input.dedupKey, OVERFLOW_KEY);
    assert.equal(h.stage.statsOf('keys')?.suppressed, 499);
  });

  it('holds what is over maxPerMinute (the breaker opens)', async () => {
    const h = harness([rule({ name: 'each', pattern: 'ERROR', dedupKey: '{message}' })]);
    h.accept(Array.from({ length: 450 }, (_, i) => line(`ERROR request ${i} failed`)));
    assert.equal(h.stage.queued, 60);
    assert.equal(h.stage.statsOf('each')?.held, 390);
    assert.equal(h.stage.statsOf('each')?.breaker, 'open');
  });

  it('counts what a full queue drops', async () => {
    // No throttle, so that no key is kept: every match is a notification.
    const flood = (name: string) => rule({ name, pattern: name, throttle: '0s', maxPerMinute: 10_000 });
    const h = harness([flood('a'), flood('b')]);
    h.accept(Array.from({ length: 6_000 }, (_, i) => line(`a ${i}`)));
    h.accept(
      Array.from({ length: 6_000 }, (_, i) => line(`b ${i}`)),
      T0 + 1,
    );
    assert.equal(h.stage.queued, QUEUE_LIMIT);
    assert.equal(h.stage.statsOf('b')?.dropped, 12_000 - QUEUE_LIMIT);
    await h.stage.flush();
    assert.equal(h.sent().length, QUEUE_LIMIT);
    assert.equal(h.stage.statsOf('a')?.routed, 6_000);
  });

  it('opens the breaker over maxPerMinute, holds notifications, logs it, and closes after the cool-down', async () => {
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void logged.push(m), info: (m) => void logged.push(m) };
    const h = harness([rule({ name: 'chatty', pattern: 'ERROR', dedupKey: '{message}', maxPerMinute: 5 })], {
      logger,
    });
    for (let i = 0; i < 8; i++) h.accept([line(`ERROR ${i}`)], T0 + i);
    await h.stage.flush();
    let s = h.stage.statsOf('chatty')!;
    assert.equal(h.sent().length, 5);
    assert.equal(s.breaker, 'open');
    assert.equal(s.held, 3);
    assert.equal(s.breakerTrips, 1);
    assert.equal(s.breakerClosesAt, T0 + 5 + BREAKER_COOLDOWN_MS);
    assert.match(logged[0], /circuit breaker opened/);
    h.accept([line('ERROR later')], T0 + 60_000);
    await h.stage.tick(T0 + 61_000);
    assert.equal(h.sent().length, 5, 'still open: nothing sent');
    await h.stage.tick(T0 + 5 + BREAKER_COOLDOWN_MS);
    s = h.stage.statsOf('chatty')!;
    assert.equal(s.breaker, 'closed');
    assert.match(logged[1], /circuit breaker closed/);
    h.accept([line('ERROR after')], T0 + BREAKER_COOLDOWN_MS + 10_000);
    await h.stage.flush();
    assert.equal(h.sent().at(-1)?.input.attributes?.count, 1);
    assert.ok(h.sent().length > 5, 'sends again once closed');
  });

  it('with a throttle, keeps what the breaker held and sends it as one notification per key once closed', async () => {
    const h = harness([rule({ name: 'held', pattern: 'ERROR', dedupKey: '{message}', maxPerMinute: 1 })]);
    h.accept([line('ERROR x'), line('ERROR y'), line('ERROR y')]);
    await h.stage.flush();
    assert.equal(h.sent().length, 1);
    assert.equal(h.stage.statsOf('held')?.breaker, 'open');
    await h.stage.tick(T0 + BREAKER_COOLDOWN_MS);
    const last = h.sent().at(-1)!;
    assert.equal(h.sent().length, 2);
    assert.equal(last.input.dedupKey, 'ERROR y');
    assert.equal(last.input.attributes?.count, 2);
  });

  it('counts a failed publish as dropped, and a rule that is disabled stops matching', async () => {
    const h = harness([rule({ name: 'r', pattern: 'ERROR' })], { fail: true });
    h.accept([line('ERROR 1')]);
    await h.stage.flush();
    assert.equal(h.stage.statsOf('r')?.dropped, 1);
    h.stage.setRules([rule({ name: 'r', pattern: 'ERROR', enabled: false })]);
    h.accept([line('ERROR 2')]);
    assert.equal(h.stage.statsOf('r'), undefined);
    assert.deepEqual(h.failures, []);
  });
});
