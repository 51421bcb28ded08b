import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import { resourceOfLabels } from './decoders/loki-labels.js';
import { isMarked } from './log-pipeline.js';
import { markOrigin } from './origin-mark.js';

const shared = Object.freeze({});
const event = (attributes: Record<string, unknown> = shared): LogEvent => ({
  time: 1,
  observedTime: 1,
  group: 'default',
  level: 0,
  levelText: '',
  message: 'hello',
  attributes,
  resource: {},
});

describe('markOrigin', () => {
  it('marks every event of a request that carries x-tocsin-origin, so the pipeline drops them as a loop', () => {
    const events = [event(), event({ a: 1 })];
    assert.equal(markOrigin({ 'x-tocsin-origin': 'node-a' }, events), 2);
    assert.ok(events.every(isMarked));
    assert.deepEqual(events[1].attributes, { a: 1, 'tocsin.origin': 'node-a' });
    assert.deepEqual(shared, {}, 'a shared (frozen) attributes object is replaced, not written to');
  });

  it('leaves a request without the header, or with an empty one, alone', () => {
    const events = [event()];
    assert.equal(markOrigin({}, events), 0);
    assert.equal(markOrigin({ 'x-tocsin-origin': ' ' }, events), 0);
    assert.equal(isMarked(events[0]), false);
  });

  it('keeps a mark the event already carries', () => {
    const events = [event({ 'tocsin.origin': 'node-b' })];
    markOrigin({ 'x-tocsin-origin': ['node-a'] }, events);
    assert.equal(events[0].attributes['tocsin.origin'], 'node-b');
  });
});

describe('resourceOfLabels', () => {
  it('maps the tocsin_origin label onto the origin attribute', () => {
    assert.deepEqual(resourceOfLabels({ job: 'api', tocsin_origin: 'node-a' }), {
      job: 'api',
      tocsin_origin: 'node-a',
      'tocsin.origin': 'node-a',
    });
    const labels = { job: 'api' };
    assert.equal(resourceOfLabels(labels), labels);
  });
});
