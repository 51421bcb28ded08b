import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TocsinError } from '../../core/errors.js';
import { tocsinNdjsonDecoder } from './tocsin-ndjson-decoder.js';

const NOW = 1_767_225_600_000;
const decode = (body: string | Buffer, headers = {}) => tocsinNdjsonDecoder.decode(body, headers, { now: NOW });

describe('tocsin-ndjson decoder', () => {
  it('takes NDJSON lines with defaults, skipping blank lines and CRs', () => {
    const body = [
      JSON.stringify({ message: 'started', level: 'info' }),
      '',
      `${JSON.stringify({ message: 'slow', level: 13, time: NOW - 5000, group: 'api', attributes: { ms: 812 } })}\r`,
      '   ',
    ].join('\n');
    const r = decode(Buffer.from(body), { 'x-tocsin-log-group': 'app' });
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.events, [
      {
        time: NOW,
        observedTime: NOW,
        group: 'app',
        level: 9,
        levelText: 'info',
        message: 'started',
        attributes: {},
        resource: {},
      },
      {
        time: NOW - 5000,
        observedTime: NOW,
        group: 'api',
        level: 13,
        levelText: 'WARN',
        message: 'slow',
        attributes: { ms: 812 },
        resource: {},
      },
    ]);
    assert.equal(decode('{"message":"x"}').events[0].group, 'default', 'no header: the default group');
  });

  it('rejects bad lines with their line number and reason, and keeps the rest', () => {
    const body = [
      '{"message":"one"}',
      '{"message": "two"',
      '[1, 2]',
      '{"message":"four","msg":"x"}',
      '{"message":"five","level":"error"}',
      `{"message":"${'x'.repeat(262_145)}"}`,
      '{"message":"seven","traceId":"zz"}',
    ].join('\n');
    const r = decode(body);
    assert.deepEqual(
      r.events.map((e) => e.message),
      ['one', 'five'],
    );
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.line]),
      [
        [1, 2],
        [2, 3],
        [3, 4],
        [5, 6],
        [6, 7],
      ],
    );
    const [json, notObject, unknownKey, tooBig, badTrace] = r.rejected.map((x) => x.reason);
    assert.match(json, /^invalid JSON/);
    assert.match(notObject, /object/);
    assert.match(unknownKey, /msg/);
    assert.match(tooBig, /^message: .*messageBytes/);
    assert.match(badTrace, /^traceId: /);
  });

  it('takes a JSON array, rejecting bad elements by index', () => {
    const r = decode(
      `  [${JSON.stringify({ message: 'a', time: '2026-01-01T00:00:00Z' })}, 3, ${JSON.stringify({ level: 'x' })}]`,
    );
    assert.deepEqual(
      r.events.map((e) => [e.message, e.time]),
      [['a', Date.UTC(2026, 0, 1)]],
    );
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.line]),
      [
        [1, undefined],
        [2, undefined],
      ],
    );
    assert.match(r.rejected[1].reason, /^message: /);
  });

  it('refuses a JSON array that does not parse, and takes an empty body as no events', () => {
    assert.throws(
      () => decode('[{"message":"a"},'),
      (err: unknown) => err instanceof TocsinError && err.code === 'bad_request' && /JSON array/.test(err.message),
    );
    assert.deepEqual(decode(''), { events: [], rejected: [] });
    assert.deepEqual(decode('[]'), { events: [], rejected: [] });
  });
});
