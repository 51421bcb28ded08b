import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLokiPushRequest, encodeLokiPushRequest, type LokiProtoRequest } from './loki-push-proto.js';

/** A snappy block of literals only (each of at most 60 bytes): valid, and all a decoder needs to see here. */
function literalsBlock(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (let n = data.length; ; n = Math.floor(n / 128)) {
    out.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
    if (n < 128) break;
  }
  for (let i = 0; i < data.length; i += 60) {
    const chunk = data.subarray(i, i + 60);
    out.push((chunk.length - 1) << 2, ...chunk);
  }
  return Buffer.from(out);
}

describe('Loki PushRequest protobuf', () => {
  it('round-trips labels, entries, timestamps and structured metadata', () => {
    const request: LokiProtoRequest = {
      streams: [
        {
          labels: '{job="api"}',
          entries: [
            {
              timestamp: { seconds: '1767225600', nanos: 123456789 },
              line: 'GET /health 200',
              structuredMetadata: [{ name: 'trace_id', value: 'abc' }],
            },
          ],
        },
      ],
    };
    assert.deepEqual(decodeLokiPushRequest(literalsBlock(encodeLokiPushRequest(request))), request);
  });

  it('writes the field numbers of push.proto', () => {
    const bytes = encodeLokiPushRequest({ streams: [{ labels: '{a="b"}', entries: [{ line: 'x' }] }] });
    // streams = 1 (0x0a), then StreamAdapter.labels = 1 (0x0a) and entries = 2 (0x12), EntryAdapter.line = 2 (0x12).
    assert.deepEqual([...bytes], [0x0a, 14, 0x0a, 7, ...Buffer.from('{a="b"}'), 0x12, 3, 0x12, 1, 0x78]);
  });

  it('throws on a body that is not snappy, or past the cap', () => {
    assert.throws(() => decodeLokiPushRequest(Buffer.from([0x0a, 0x02])), /snappy/);
    const block = literalsBlock(encodeLokiPushRequest({ streams: [{ labels: '{a="b"}' }] }));
    assert.throws(() => decodeLokiPushRequest(block, 3), /more than 3/);
  });
});
