import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { TocsinError } from '../../core/errors.js';
import {
  decodeFirehoseRequest,
  firehoseAnswer,
  firehoseErrorAnswer,
  firehoseRequestIdOf,
  timeOf,
} from './firehose-endpoint.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);
const REQUEST_ID = 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f';

/** The request of AWS's "HTTP endpoint delivery request and response specifications" (comma restored). */
const specHeaders: Record<string, string> = {
  'content-type': 'application/json',
  'x-amz-firehose-protocol-version': '1.0',
  'x-amz-firehose-request-id': REQUEST_ID,
  'x-amz-firehose-source-arn': 'arn:aws:firehose:us-east-1:123456789:deliverystream/testStream',
  'x-amz-firehose-access-key': 'my-access-key',
  'x-amz-firehose-common-attributes': '{"commonAttributes":{"param1":"val1", "param2":"val2"}}',
};
const specBody = {
  requestId: REQUEST_ID,
  timestamp: 1578090901599,
  records: [{ data: 'aGVsbG8=' }, { data: 'aGVsbG8gd29ybGQ=' }],
};

const lookup = (headers: Record<string, string>) => (name: string) => headers[name];
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TocsinError);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.deepEqual(err.details, { requestId: REQUEST_ID });
    return true;
  });
}

describe('Firehose HTTP endpoint delivery', () => {
  it("decodes AWS's sample request: two text records with the common attributes, the access key returned", () => {
    const r = decodeFirehoseRequest(lookup(specHeaders), json(specBody), NOW);
    assert.equal(r.requestId, REQUEST_ID);
    assert.equal(r.accessKey, 'my-access-key');
    assert.equal(r.timestamp, 1578090901599);
    assert.deepEqual(r.rejected, []);
    const resource = {
      'cloud.provider': 'aws',
      'aws.firehose.arn': 'arn:aws:firehose:us-east-1:123456789:deliverystream/testStream',
      'aws.firehose.stream': 'testStream',
    };
    const attributes = { param1: 'val1', param2: 'val2' };
    assert.deepEqual(r.events, [
      { time: 1578090901599, observedTime: NOW, message: 'hello', attributes, resource },
      { time: 1578090901599, observedTime: NOW, message: 'hello world', attributes, resource },
    ]);
  });

  it('answers with exactly {requestId, timestamp}, and errors with errorMessage', () => {
    assert.deepEqual(Object.keys(firehoseAnswer(REQUEST_ID, NOW)), ['requestId', 'timestamp']);
    assert.equal(
      JSON.stringify(firehoseAnswer(REQUEST_ID, 1578090903599)),
      `{"requestId":"${REQUEST_ID}","timestamp":1578090903599}`,
    );
    assert.deepEqual(firehoseErrorAnswer(REQUEST_ID, NOW, 'Payload too large'), {
      requestId: REQUEST_ID,
      timestamp: NOW,
      errorMessage: 'Payload too large',
    });
    assert.equal(firehoseRequestIdOf(lookup(specHeaders)), REQUEST_ID);
    assert.equal(firehoseRequestIdOf(lookup({})), '');
  });

  it('decodes CloudWatch Logs records, gzipped or decompressed by Firehose, and counts control messages', () => {
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/orders',
      logStream: '2026/12/02/[$LATEST]abc',
      subscriptionFilters: ['to-tocsin'],
      logEvents: [{ id: '1', timestamp: 1764662400000, message: '{"level":"error","message":"boom"}\n' }],
    };
    const control = {
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
    };
    const records = [
      { data: b64(gzipSync(JSON.stringify(payload))) },
      { data: b64(JSON.stringify(payload, null, 2)) },
      { data: b64(gzipSync(JSON.stringify(control))) },
    ];
    const r = decodeFirehoseRequest(lookup(specHeaders), json({ ...specBody, records }), NOW);
    assert.equal(r.controlMessages, 1);
    assert.equal(r.events.length, 2);
    for (const e of r.events) {
      assert.equal(e.group, '/aws/lambda/orders');
      assert.equal(e.source, 'orders');
      assert.equal(e.time, 1764662400000);
      assert.deepEqual(e.level, { number: 17, text: 'error' });
      assert.equal(e.attributes.param1, 'val1');
      assert.equal(e.attributes['aws.log.event_id'], '1');
    }
  });

  it('takes NDJSON and text records line by line, JSON lines with their level and time', () => {
    const lines =
      '{"level":"warn","time":"2026-12-02T07:00:00.000Z","msg":"slow"}\r\nplain line\n\n' +
      '{"severity":"ERROR","timestamp":1764658800}\n';
    const r = decodeFirehoseRequest(lookup({}), json({ ...specBody, records: [{ data: b64(gzipSync(lines)) }] }), NOW);
    assert.deepEqual(
      r.events.map((e) => [e.message, e.level?.text, e.time]),
      [
        ['{"level":"warn","time":"2026-12-02T07:00:00.000Z","msg":"slow"}', 'warn', Date.UTC(2026, 11, 2, 7)],
        ['plain line', undefined, 1578090901599],
        ['{"severity":"ERROR","timestamp":1764658800}', 'ERROR', 1764658800000],
      ],
    );
    assert.equal(r.accessKey, undefined);
    assert.deepEqual(r.events[1].attributes, {});
  });

  it('reads a gzip body (Content-Encoding: gzip)', () => {
    const r = decodeFirehoseRequest(
      lookup({ ...specHeaders, 'content-encoding': 'gzip' }),
      gzipSync(json(specBody)),
      NOW,
    );
    assert.deepEqual(
      r.events.map((e) => e.message),
      ['hello', 'hello world'],
    );
  });

  it('rejects undecodable records by index and keeps the others', () => {
    const records = [
      { data: 'aGVsbG8=' },
      { data: '***' },
      { data: b64(gzipSync('{"messageType":"DATA_MESSAGE","logEvents":"nope"}')) },
      { data: b64(Buffer.from([0x1f, 0x8b, 1, 2, 3])) },
    ];
    const r = decodeFirehoseRequest(lookup(specHeaders), json({ ...specBody, records }), NOW);
    assert.deepEqual(
      r.events.map((e) => e.message),
      ['hello'],
    );
    assert.deepEqual(
      r.rejected.map((x) => x.index),
      [1, 2, 3],
    );
    assert.match(r.rejected[0].reason, /records\.1\.data is not base64/);
    assert.match(r.rejected[1].reason, /records\.2\.data\.owner/);
    assert.match(r.rejected[2].reason, /records\.3\.data is not a valid gzip stream/);
  });

  it('refuses requests it cannot read as a whole, naming the problem and carrying the request id', () => {
    const h = lookup(specHeaders);
    rejects(() => decodeFirehoseRequest(h, Buffer.from('{'), NOW), 'bad_request', /the body is not JSON/);
    rejects(() => decodeFirehoseRequest(h, json({ requestId: REQUEST_ID }), NOW), 'bad_request', /body\.timestamp/);
    rejects(
      () => decodeFirehoseRequest(h, json({ ...specBody, records: [{}] }), NOW),
      'bad_request',
      /body\.records\.0\.data/,
    );
    rejects(
      () => decodeFirehoseRequest(h, json({ ...specBody, requestId: 'other' }), NOW),
      'bad_request',
      /differs from the body's requestId other/,
    );
    rejects(
      () =>
        decodeFirehoseRequest(
          lookup({ ...specHeaders, 'x-amz-firehose-protocol-version': '2.0' }),
          json(specBody),
          NOW,
        ),
      'bad_request',
      /Protocol-Version 2\.0 is not supported/,
    );
    rejects(
      () => decodeFirehoseRequest(lookup({ ...specHeaders, 'content-encoding': 'br' }), json(specBody), NOW),
      'unsupported_media_type',
      /Content-Encoding br/,
    );
    rejects(
      () => decodeFirehoseRequest(lookup({ ...specHeaders, 'content-encoding': 'gzip' }), json(specBody), NOW),
      'bad_request',
      /not a valid gzip stream/,
    );
    rejects(
      () =>
        decodeFirehoseRequest(
          lookup({ ...specHeaders, 'content-encoding': 'gzip' }),
          gzipSync(json(specBody)),
          NOW,
          10,
        ),
      'payload_too_large',
      /more than 10 bytes/,
    );
    for (const bad of ['{', '{"param1":"val1"}', '{"commonAttributes":{"n":1}}']) {
      rejects(
        () =>
          decodeFirehoseRequest(
            lookup({ ...specHeaders, 'x-amz-firehose-common-attributes': bad }),
            json(specBody),
            NOW,
          ),
        'bad_request',
        /X-Amz-Firehose-Common-Attributes/,
      );
    }
  });

  it('reads times in seconds, milliseconds and ISO 8601', () => {
    assert.equal(timeOf(1764658800), 1764658800000);
    assert.equal(timeOf(1764658800123), 1764658800123);
    assert.equal(timeOf('2026-12-02T07:00:00+01:00'), Date.UTC(2026, 11, 2, 6));
    assert.equal(timeOf('yesterday'), undefined);
    assert.equal(timeOf(-5), undefined);
  });
});
