import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidv7 } from '../core/ids.js';
import {
  channelIdOf,
  flipsOf,
  hcPingTime,
  hcTime,
  parseHcSpec,
  pingNumberMs,
  pingNumberOf,
  tagsFromHc,
  tagsToHc,
  uniqueKeyOf,
} from './hc-api-mapping.js';
import { flipRange } from './hc-api-routes.js';

describe('Healthchecks API mapping', () => {
  it('computes unique_key as Healthchecks does (SHA-1 of the first 16 hex digits of the uuid)', () => {
    // The pair in Healthchecks' API docs (the same check in its read-write and read-only examples).
    assert.equal(uniqueKeyOf('31365bce-8da9-4729-8ff3-aaa71d56b712'), 'a6c7b0a8a66bed0df66abfdab3c77736861703ee');
  });

  it('round-trips tags and derives stable channel ids', () => {
    assert.deepEqual(tagsFromHc(' prod  www env=eu '), { prod: '', www: '', env: 'eu' });
    assert.equal(tagsToHc(tagsFromHc('prod www env=eu')), 'prod www env=eu');
    assert.equal(channelIdOf('ops'), channelIdOf('ops'));
    assert.notEqual(channelIdOf('ops'), channelIdOf('oncall'));
    assert.match(channelIdOf('ops'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('prints times as Healthchecks does', () => {
    assert.equal(hcTime(Date.parse('2020-03-24T14:02:03.456Z')), '2020-03-24T14:02:03+00:00');
    assert.equal(hcTime(null), null);
    assert.equal(hcPingTime(Date.parse('2020-06-09T14:51:06.113Z')), '2020-06-09T14:51:06.113000+00:00');
    assert.equal(hcPingTime(Date.parse('2020-06-09T14:51:06Z')), '2020-06-09T14:51:06+00:00');
  });

  it('numbers pings by id: distinct, ordered and safe integers, even within one millisecond', () => {
    // Ids never go back in time within a process, so `at` is where the generator stands when no other test ran
    // first, or later: read each id's own millisecond from its first 48 bits.
    const at = Date.parse('2026-06-01T12:00:00Z');
    // 5,000 ids in one millisecond: the counter runs past 999 and wraps into the next millisecond.
    const ids = Array.from({ length: 5_000 }, () => uuidv7(at));
    const msOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    const numbers = ids.map(pingNumberOf);
    assert.equal(new Set(numbers).size, 5_000);
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
      'in the order the ids were made',
    );
    for (const [i, n] of numbers.entries()) {
      assert.ok(Number.isSafeInteger(n) && msOf(ids[i]) >= at && pingNumberMs(n) === msOf(ids[i]));
    }
  });

  it('keeps only changes among new, up, down and paused as flips', () => {
    const changes = [
      { at: 1, from_state: 'NEW', to_state: 'STARTED' },
      { at: 2, from_state: 'STARTED', to_state: 'UP' },
      { at: 3, from_state: 'UP', to_state: 'LATE' },
      { at: 4, from_state: 'LATE', to_state: 'UP' },
      { at: 5, from_state: 'UP', to_state: 'DOWN' },
      { at: 6, from_state: 'DOWN', to_state: 'UP' },
    ];
    assert.deepEqual(flipsOf(changes), [
      { at: 2, up: 1 },
      { at: 5, up: 0 },
      { at: 6, up: 1 },
    ]);
  });

  it('validates bodies with Healthchecks’ messages', () => {
    assert.deepEqual(parseHcSpec({ name: 'x', timeout: 60, api_key: 'k', extra: 1 }), {
      spec: { name: 'x', timeout: 60 },
    });
    assert.deepEqual(parseHcSpec({ grace: 59 }), { error: 'json validation error: grace is too small' });
    assert.deepEqual(parseHcSpec({ tags: ['a'] }), { error: 'json validation error: tags is not a string' });
    assert.deepEqual(parseHcSpec({ methods: '', filter_body: false, start_kw: '' }), {
      spec: { methods: '', filter_body: false, start_kw: '' },
    });
  });

  it('reads flip filters, naming the bad one', () => {
    assert.deepEqual(flipRange('60', undefined, undefined, 100_000), { from: 40_000, to: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(flipRange(undefined, '10', '20', 0), { from: 10_000, to: 20_000 });
    assert.match(String(flipRange('31536001', undefined, undefined, 0)), /^seconds: /);
    assert.match(String(flipRange(undefined, 'x', undefined, 0)), /^start: /);
  });
});
