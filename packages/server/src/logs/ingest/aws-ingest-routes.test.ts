import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type IngestHarness, startIngestHarness } from '../../test-support/log-ingest-harness.js';

const T = Date.UTC(2026, 11, 2, 10);
const ID = 'c0ffee00-1111-2222-3333-444455556666';

function payload(messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE', logGroup = '/aws/lambda/checkout') {
  return {
    messageType,
    owner: '123456789012',
    logGroup,
    logStream: '2026/12/02/[$LATEST]abc',
    subscriptionFilters: ['to-tocsin'],
    logEvents:
      messageType === 'CONTROL_MESSAGE'
        ? [{ id: '', timestamp: T, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }]
        : [
            { id: '1', timestamp: T, message: `2026-12-02T10:00:00.000Z\t${ID}\tERROR\tpayment failed\n` },
            { id: '2', timestamp: T + 1, message: `2026-12-02T10:00:03.000Z ${ID} Task timed out after 3.00 seconds` },
          ],
  };
}
const pack = (p: unknown) => gzipSync(JSON.stringify(p));

describe('AWS ingest routes', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startIngestHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.appender.events.length = 0;
    h.groups.length = 0;
  });
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.ingest}`, 'content-type': 'application/json', ...headers },
      body,
    });

  describe('POST /api/logs/cloudwatch', () => {
    it('stores a Lambda subscription event (gzip + base64 awslogs.data) in its log group', async () => {
      const body = JSON.stringify({ awslogs: { data: pack(payload('DATA_MESSAGE')).toString('base64') } });
      const res = await post('/api/logs/cloudwatch', body);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { accepted: 2, rejected: [], dropped: {}, controlMessages: 0 });
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.source, e.level, e.levelText, e.attributes['faas.invocation_id']]),
        [
          ['/aws/lambda/checkout', 'checkout', 17, 'ERROR', ID],
          ['/aws/lambda/checkout', 'checkout', 17, 'error', ID],
        ],
      );
      assert.equal(h.appender.events[0].message, `2026-12-02T10:00:00.000Z\t${ID}\tERROR\tpayment failed`);
    });

    it('answers the CONTROL_MESSAGE probe with 200 and stores nothing', async () => {
      const res = await post('/api/logs/cloudwatch', pack(payload('CONTROL_MESSAGE')), {
        'content-type': 'application/octet-stream',
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { controlMessages: number }).controlMessages, 1);
      assert.equal(h.appender.events.length, 0);
    });

    it('takes the raw gzip body a forwarder posts, routed by a group’s match on the function', async () => {
      h.groups.push({ name: 'payments', retentionDays: 14, match: { sources: ['checkout'] } });
      const res = await post('/api/logs/cloudwatch', pack(payload('DATA_MESSAGE')), {
        'content-type': 'application/octet-stream',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        h.appender.events.map((e) => e.group),
        ['payments', 'payments'],
      );
    });

    it('refuses what is not a subscription payload, naming the problem, storing nothing', async () => {
      const notBase64 = await post('/api/logs/cloudwatch', JSON.stringify({ awslogs: { data: '%%%' } }));
      assert.equal(notBase64.status, 400);
      assert.match(await notBase64.text(), /awslogs.data is not base64/);
      const other = await post('/api/logs/cloudwatch', JSON.stringify({ hello: 1 }));
      assert.equal(other.status, 400);
      assert.match(await other.text(), /neither/);
      const shape = await post('/api/logs/cloudwatch', pack({ messageType: 'DATA_MESSAGE', logEvents: [] }), {
        'content-type': 'application/octet-stream',
      });
      assert.equal(shape.status, 400);
      assert.match(await shape.text(), /owner/);
      assert.equal(h.appender.events.length, 0);
    });
  });

  describe('POST /api/logs/firehose', () => {
    const firehose = (key: string | undefined, records: string[], requestId = 'req-1') =>
      fetch(`${h.url}/api/logs/firehose`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-amz-firehose-request-id': requestId,
          'x-amz-firehose-protocol-version': '1.0',
          'x-amz-firehose-source-arn': 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/logs',
          ...(key === undefined ? {} : { 'x-amz-firehose-access-key': key }),
        },
        body: JSON.stringify({ requestId, timestamp: T, records: records.map((data) => ({ data })) }),
      });

    it('stores CloudWatch records and plain lines with the right key, answering {requestId, timestamp}', async () => {
      const cw = pack(payload('DATA_MESSAGE', 'api-gateway')).toString('base64');
      const lines = Buffer.from('{"level":"warn","msg":"slow"}\nplain line\n').toString('base64');
      const res = await firehose(h.tokens.ingest, [cw, lines]);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { requestId: 'req-1', timestamp: h.clock.now() });
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.levelText]),
        [
          ['api-gateway', 'ERROR'],
          ['api-gateway', 'error'],
          ['firehose', 'warn'],
          ['firehose', ''],
        ],
      );
    });

    it('refuses a missing, wrong or read-only key with Firehose’s error body, storing nothing', async () => {
      const line = Buffer.from('x').toString('base64');
      for (const [key, status] of [
        [undefined, 401],
        ['tcn_wrong', 401],
        [h.tokens.read, 403],
      ] as const) {
        const res = await firehose(key, [line], 'req-2');
        assert.equal(res.status, status);
        const body = (await res.json()) as { requestId: string; timestamp: number; errorMessage: string };
        assert.equal(body.requestId, 'req-2');
        assert.equal(typeof body.timestamp, 'number');
        assert.match(body.errorMessage, /access key|API token|scope/);
      }
      assert.equal(h.appender.events.length, 0);
    });

    it('answers a body not Firehose’s with 400 and errorMessage, and 503 with Retry-After when full', async () => {
      const res = await fetch(`${h.url}/api/logs/firehose`, {
        method: 'POST',
        headers: { 'x-amz-firehose-access-key': h.tokens.ingest, 'x-amz-firehose-request-id': 'r3' },
        body: '{"records": 1}',
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { errorMessage: string }).errorMessage, /body\.requestId/);
      h.appender.refuse = 1;
      const full = await firehose(h.tokens.ingest, [Buffer.from('y').toString('base64')], 'r4');
      assert.equal(full.status, 503);
      assert.equal(full.headers.get('retry-after'), '2');
      assert.equal(((await full.json()) as { requestId: string }).requestId, 'r4');
    });
  });
});
