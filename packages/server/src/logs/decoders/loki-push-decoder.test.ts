import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TocsinError } from '../../core/errors.js';
import { lokiPushDecoder } from './loki-push-decoder.js';
import { encodeLokiPushRequest, type LokiProtoRequest } from './loki-push-proto.js';

const NOW = 1_767_225_600_000;
const json = { 'content-type': 'application/json' };
const proto = { 'content-type': 'application/x-protobuf' };
const decode = (body: string | Buffer, headers: Record<string, string> = json) =>
  lokiPushDecoder.decode(body, headers, { now: NOW, maxBytes: 1 << 20 });

/**
 * A greedy snappy block compressor, as small as a test helper can be: a hash of 4 bytes finds an earlier match;
 * matches become copies (1-byte offsets when they fit, else 2-byte), the rest literals. Its output is a valid block
 * with all three element kinds Promtail's Go encoder writes for bodies under 64 KiB.
 */
function snappyCompress(src: Uint8Array): Buffer {
  const out: number[] = [];
  for (let n = src.length; ; n = Math.floor(n / 128)) {
    out.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
    if (n < 128) break;
  }
  const literal = (from: number, to: number) => {
    for (let i = from; i < to; i += 60) {
      const end = Math.min(to, i + 60);
      out.push((end - i - 1) << 2, ...src.subarray(i, end));
    }
  };
  const seen = new Map<number, number>();
  let pending = 0;
  let i = 0;
  while (i + 4 <= src.length) {
    const key = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
    const at = seen.get(key);
    seen.set(key, i);
    if (at === undefined || i - at > 0xffff) {
      i++;
      continue;
    }
    let len = 4;
    while (i + len < src.length && len < 64 && src[at + len] === src[i + len]) len++;
    literal(pending, i);
    const offset = i - at;
    if (len <= 11 && offset < 2048) out.push(((offset >> 8) << 5) | ((len - 4) << 2) | 1, offset & 0xff);
    else out.push(((len - 1) << 2) | 2, offset & 0xff, offset >> 8);
    i += len;
    pending = i;
  }
  literal(pending, src.length);
  return Buffer.from(out);
}

const ns = (ms: number) => `${ms}000000`;

describe('Loki push decoder, JSON', () => {
  it("maps Loki's documented push body, with structured metadata", () => {
    // The example of Loki's HTTP API documentation, with times near NOW.
    const body = JSON.stringify({
      streams: [
        {
          stream: { label: 'value' },
          values: [
            [ns(NOW - 2000), 'fizzbuzz'],
            [`${NOW - 1000}123456`, 'with metadata', { trace_id: '0242ac120002', user_id: 'superUser123' }],
          ],
        },
      ],
    });
    const r = decode(body);
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.events[0], {
      time: NOW - 2000,
      observedTime: NOW,
      group: 'default',
      stream: '{label="value"}',
      level: 0,
      levelText: '',
      message: 'fizzbuzz',
      attributes: {},
      resource: { label: 'value' },
    });
    assert.equal(r.events[1].time, NOW - 1000, 'nanoseconds cut to milliseconds');
    assert.deepEqual(r.events[1].attributes, { trace_id: '0242ac120002', user_id: 'superUser123' });
    assert.equal(r.events[1].traceId, undefined, 'a trace_id that is not 32 hex digits stays an attribute only');
  });

  it('takes the group from the discovered service name, the level, stage and ids', () => {
    // As Vector's and Fluent Bit's Loki outputs send it: labels per stream, values as [ns, line].
    const body = JSON.stringify({
      streams: [
        {
          stream: { job: 'fluent-bit', app: 'billing', env: 'prod', level: 'warn' },
          values: [
            [ns(NOW), 'disk 71%'],
            [
              ns(NOW),
              'timeout',
              { detected_level: 'ERROR', trace_id: '5B8EFFF798038103D269B633813FC60C', span_id: 'eee19b7ec3c1b174' },
            ],
          ],
        },
        { stream: { job: 'varlogs', service_name: 'kernel' }, values: [[ns(NOW), 'oops']] },
        { stream: { job: 'cron' }, values: [[ns(NOW), 'ran']] },
      ],
    });
    const r = decode(body);
    assert.deepEqual(
      r.events.map((e) => [e.group, e.source, e.stage, e.level, e.levelText]),
      [
        ['billing', 'billing', 'prod', 13, 'warn'],
        ['billing', 'billing', 'prod', 17, 'ERROR'],
        ['kernel', 'kernel', undefined, 0, ''],
        ['cron', 'cron', undefined, 0, ''],
      ],
    );
    assert.equal(r.events[0].stream, '{app="billing", env="prod", job="fluent-bit", level="warn"}');
    assert.deepEqual(
      [r.events[1].traceId, r.events[1].spanId],
      ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'],
    );
    const grouped = decode(body, { ...json, 'x-tocsin-log-group': 'edge' });
    assert.deepEqual(
      grouped.events.map((e) => e.group),
      ['edge', 'edge', 'edge', 'edge'],
    );
  });

  it('rejects bad entries and streams by their index across the request, keeping the rest', () => {
    const body = JSON.stringify({
      streams: [
        { stream: { job: 'a' }, values: [[ns(NOW), 'one'], ['soon', 'bad time'], [ns(NOW), 7], [ns(NOW)]] },
        {
          stream: { 'bad.name': 'x' },
          values: [
            [ns(NOW), 'x'],
            [ns(NOW), 'y'],
          ],
        },
        { stream: { job: 3 }, values: [[ns(NOW), 'x']] },
        { stream: { job: 'b' }, values: 'nope' },
        {
          stream: { job: 'c' },
          values: [
            [ns(NOW), 'meta', { n: 1 }],
            [ns(NOW), 'kept', {}],
          ],
        },
      ],
    });
    const r = decode(body);
    assert.deepEqual(
      r.events.map((e) => e.message),
      ['one', 'kept'],
    );
    assert.deepEqual(
      r.rejected.map((x) => x.index),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const reasons = r.rejected.map((x) => x.reason);
    assert.match(reasons[0], /^timestamp: /);
    assert.match(reasons[1], /^line: /);
    assert.match(reasons[2], /\[timestamp, line, metadata\?\]/);
    assert.match(reasons[3], /"bad\.name" is not a valid label name/);
    assert.equal(reasons[4], reasons[3]);
    assert.match(reasons[5], /value of job is not a string/);
    assert.match(reasons[6], /^values: not an array/);
    assert.match(reasons[7], /value of n is not a string/);
  });

  it('refuses a body without streams', () => {
    for (const body of ['{"streams":', '{}', '{"streams":{}}', '[]'])
      assert.throws(
        () => decode(body),
        (err: unknown) => err instanceof TocsinError && err.code === 'bad_request' && /Loki push/.test(err.message),
        body,
      );
  });
});

describe('Loki push decoder, protobuf with snappy', () => {
  const request: LokiProtoRequest = {
    streams: [
      {
        labels: '{filename="/var/log/syslog", job="varlogs"}',
        entries: Array.from({ length: 20 }, (_, i) => ({
          timestamp: { seconds: String(Math.floor((NOW + i) / 1000)), nanos: ((NOW + i) % 1000) * 1e6 + 999 },
          line: `Dec  2 07:52:${String(i).padStart(2, '0')} web-1 sshd[812]: Accepted publickey for deploy`,
        })),
      },
      {
        labels: '{service_name="checkout", env="prod"}',
        entries: [
          {
            timestamp: { seconds: String(NOW / 1000), nanos: 0 },
            line: '{"level":"error","msg":"payment failed"}',
            structuredMetadata: [
              { name: 'level', value: 'error' },
              { name: 'traceID', value: '5b8efff798038103d269b633813fc60c' },
            ],
          },
        ],
      },
    ],
  };

  it('decodes a snappy-compressed PushRequest as Promtail sends it', () => {
    const raw = encodeLokiPushRequest(request);
    const body = snappyCompress(raw);
    assert.ok(body.length < raw.length * 0.6, `the helper compresses (${body.length} of ${raw.length} bytes)`);
    const r = decode(body, proto);
    assert.deepEqual(r.rejected, []);
    assert.equal(r.events.length, 21);
    assert.deepEqual(
      r.events.slice(0, 2).map((e) => [e.time, e.group, e.stream, e.source]),
      [
        [NOW, 'varlogs', '{filename="/var/log/syslog", job="varlogs"}', 'varlogs'],
        [NOW + 1, 'varlogs', '{filename="/var/log/syslog", job="varlogs"}', 'varlogs'],
      ],
    );
    assert.match(r.events[19].message, /07:52:19 web-1 sshd/);
    const last = r.events[20];
    assert.deepEqual(
      [last.group, last.stage, last.level, last.levelText, last.traceId],
      ['checkout', 'prod', 17, 'error', '5b8efff798038103d269b633813fc60c'],
    );
    assert.deepEqual(last.attributes, { level: 'error', traceID: '5b8efff798038103d269b633813fc60c' });
    assert.deepEqual(last.resource, { service_name: 'checkout', env: 'prod' });
  });

  it('takes an entry without a timestamp at the time of receipt, and rejects a stream whose labels break', () => {
    const body = snappyCompress(
      encodeLokiPushRequest({
        streams: [
          { labels: '{job="a"}', entries: [{ line: 'no time' }] },
          { labels: '{job="a"', entries: [{ line: 'x' }, { line: 'y' }] },
        ],
      }),
    );
    const r = decode(body, proto);
    assert.deepEqual(
      r.events.map((e) => [e.message, e.time]),
      [['no time', NOW]],
    );
    assert.deepEqual(
      r.rejected.map((x) => x.index),
      [1, 2],
    );
    assert.match(r.rejected[0].reason, /^labels: .*expected at 8 in "\{job=\\"a\\""/);
  });

  it('refuses a body that is not snappy, or decompresses past the cap', () => {
    const raw = Buffer.from(encodeLokiPushRequest(request));
    assert.throws(() => decode(raw, proto), /not a snappy-compressed PushRequest/);
    assert.throws(
      () => lokiPushDecoder.decode(snappyCompress(raw), proto, { now: NOW, maxBytes: 100 }),
      (err: unknown) => err instanceof TocsinError && /more than 100/.test(err.message),
    );
  });
});
