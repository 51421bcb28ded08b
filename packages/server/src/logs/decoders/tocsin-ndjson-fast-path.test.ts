import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logEventFromInput, logEventInputSchema } from '@tocsin/protocol';
import { realisticNdjsonLines as realisticLines } from '../../test-support/sample-log-lines.js';
import { fastLogEvent } from './tocsin-ndjson-fast-path.js';

const defaults = { now: 1_700_000_000_000, group: 'api' };
const slow = (v: unknown) => logEventFromInput(logEventInputSchema.parse(v), defaults);

describe('the NDJSON fast path', () => {
  it('takes realistic application lines as the zod path does', () => {
    for (const l of realisticLines(50)) assert.deepEqual(fastLogEvent(JSON.parse(l), defaults), slow(JSON.parse(l)));
  });

  it('gives what the zod path gives for the common shapes', () => {
    const samples: unknown[] = [
      { message: 'plain' },
      { message: 'x', level: 17, time: 5 },
      { message: 'x', level: 'WARNING', time: '2024-05-01T10:00:00Z', group: 'g', stream: 's', stage: 'prod' },
      { message: 'x', level: 'INFO2', time: '2024-05-01T10:00:00.123+02:00', source: 'svc' },
      { message: 'x', attributes: { a: 1, b: 'two', c: true }, resource: { 'service.name': 'svc' } },
      { message: 'x', traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef' },
    ];
    for (const s of samples) {
      const fast = fastLogEvent(s, defaults);
      assert.ok(fast, `fast path takes ${JSON.stringify(s)}`);
      assert.deepEqual(fast, slow(s));
    }
  });

  it('leaves anything else to zod', () => {
    const others: unknown[] = [
      { message: 'x', extra: 1 },
      { message: 'x', attributes: { nested: { a: 1 } } },
      { message: 'x', time: '2024-05-01 10:00:00' },
      { message: 'x', time: -1 },
      { message: 'x', level: 25 },
      { message: 'x', level: '' },
      { message: 'x', group: '' },
      { message: 'x', traceId: '00000000000000000000000000000000' },
      { message: 'x', traceId: 'ABCDEF0123456789ABCDEF0123456789' },
      { message: 1 },
      [],
      null,
      JSON.parse('{"__proto__":{"a":1},"message":"x"}'),
    ];
    for (const o of others) assert.equal(fastLogEvent(o, defaults), undefined, JSON.stringify(o));
  });
});
