import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import { TocsinError } from '../../core/errors.js';
import { DecodeCollector, headerOf, isProtobuf, mediaTypeOf, nanosToMs, parseJsonBody } from './log-decoder.js';

const event: LogEvent = {
  time: 1,
  observedTime: 1,
  group: 'g',
  level: 0,
  levelText: '',
  message: 'm',
  attributes: {},
  resource: {},
};

describe('log decoder helpers', () => {
  it('reads headers as node:http and Hono give them', () => {
    assert.equal(headerOf({ 'x-a': ' v ' }, 'x-a'), 'v');
    assert.equal(headerOf({ 'x-a': ['one', 'two'] }, 'x-a'), 'one');
    assert.equal(headerOf({ 'x-a': '  ' }, 'x-a'), undefined);
    assert.equal(headerOf({}, 'x-a'), undefined);
    assert.equal(mediaTypeOf({ 'content-type': 'Application/JSON; charset=utf-8' }), 'application/json');
    assert.equal(isProtobuf({ 'content-type': 'application/x-protobuf' }), true);
    assert.equal(isProtobuf({ 'content-type': 'application/protobuf; proto=logproto.PushRequest' }), true);
    assert.equal(isProtobuf({ 'content-type': 'application/json' }), false);
    assert.equal(isProtobuf({}), false);
  });

  it('cuts nanoseconds to milliseconds without rounding through a double', () => {
    assert.equal(nanosToMs('1767225600123999999'), 1767225600123);
    assert.equal(nanosToMs('999999'), 0);
    assert.equal(nanosToMs(1_500_000), 1);
    assert.equal(nanosToMs('12a'), undefined);
    assert.equal(nanosToMs('-5'), undefined);
    assert.equal(nanosToMs(-5), undefined);
    assert.equal(nanosToMs(undefined), undefined);
    const ns = 1767225600123000000n;
    assert.equal(nanosToMs({ low: Number(ns & 0xffffffffn) | 0, high: Number(ns >> 32n) }), 1767225600123);
  });

  it('refuses a body that is not JSON as a bad request naming the format', () => {
    assert.throws(
      () => parseJsonBody('Loki push', '{'),
      (err: unknown) =>
        err instanceof TocsinError && err.code === 'bad_request' && /^not a Loki push body/.test(err.message),
    );
    assert.deepEqual(parseJsonBody('x', Buffer.from('{"a":1}')), { a: 1 });
  });

  it('keeps events within the limits and rejects the others with the limit and their position', () => {
    const out = new DecodeCollector();
    out.take(event, 0);
    out.take({ ...event, group: '' }, 1, 2);
    out.reject(2, 'bad');
    assert.deepEqual(out.result().events, [event]);
    assert.deepEqual(out.result().rejected, [
      { index: 1, line: 2, reason: 'group: empty or longer than nameLength (512)' },
      { index: 2, reason: 'bad' },
    ]);
  });
});
