import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema } from '@tocsin/protocol';
import { recovery, sampleSendRequest } from '../../test-support/sample-send-request.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';
import { SNS_MESSAGE_MAX_BYTES, snsChannel, snsRegion, snsSubject } from './sns-channel.js';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const xml = { 'content-type': 'text/xml' };
const published = {
  status: 200,
  headers: xml,
  body:
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>' +
    '<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>' +
    '<ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>' +
    '</PublishResponse>',
};

function snsError(status: number, code: string, message: string) {
  return {
    status,
    headers: xml,
    body:
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>' +
      `<Code>${code}</Code><Message>${message}</Message></Error>` +
      '<RequestId>9dd01905-5012-5f99-8663-4b3ecd0dfaef</RequestId></ErrorResponse>',
  };
}

describe('sns channel', { timeout: 10000 }, () => {
  let receiver: TestReceiver;
  let spec: Record<string, unknown>;

  before(async () => {
    receiver = await TestReceiver.start();
    spec = {
      protocol: 'sns',
      topicArn,
      endpoint: receiver.url,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    };
  });
  after(async () => {
    await snsChannel.close?.();
    await receiver.close();
  });
  beforeEach(() => receiver.reset(published));

  it('publishes to the topic with subject, message and attributes, signed with SigV4 for sns', async () => {
    const outcome = await snsChannel.send(sampleSendRequest(spec));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.match(
      String(req.headers.authorization),
      new RegExp(
        '^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/sns/aws4_request, ' +
          'SignedHeaders=.+, Signature=[0-9a-f]{64}$',
      ),
    );
    assert.ok(req.headers['x-amz-date']);
    const form = Object.fromEntries(new URLSearchParams(req.body));
    assert.equal(form.Action, 'Publish');
    assert.equal(form.TopicArn, topicArn);
    assert.equal(form.Subject, '[CRITICAL] API is down');
    assert.equal(
      form.Message,
      'API is down\n\nanswered 503 twice\n\nstatus: 503\n\n' +
        'monitor/api-health · critical · 2025-01-02T03:04:05.000Z · topic ops',
    );
    const attributes: Record<string, string> = {};
    for (let i = 1; form[`MessageAttributes.entry.${i}.Name`]; i++) {
      assert.equal(form[`MessageAttributes.entry.${i}.Value.DataType`], 'String');
      attributes[form[`MessageAttributes.entry.${i}.Name`]] = form[`MessageAttributes.entry.${i}.Value.StringValue`];
    }
    assert.deepEqual(attributes, { severity: 'critical', kind: 'monitor.down', topic: 'ops' });
    assert.equal(form.MessageGroupId, undefined, 'only FIFO topics take a group');
  });

  it('sends the event as JSON when asked, and a resolution says so', async () => {
    await snsChannel.send(sampleSendRequest({ ...spec, format: 'json' }, recovery));
    const form = Object.fromEntries(new URLSearchParams(receiver.single().body));
    assert.equal(form.Subject, '[RESOLVED] API is up');
    const event = JSON.parse(form.Message);
    assert.equal(event.kind, 'monitor.up');
    assert.equal(event.dedupKey, 'monitor:api-health');
  });

  it('gives a FIFO topic the source as group and the delivery id as dedup id', async () => {
    const fifo = `${topicArn}.fifo`;
    const req = sampleSendRequest({ ...spec, topicArn: fifo });
    await snsChannel.send(req);
    const form = Object.fromEntries(new URLSearchParams(receiver.single().body));
    assert.equal(form.MessageGroupId, 'monitor/api-health');
    assert.equal(form.MessageDeduplicationId, req.deliveryId);
  });

  it('keeps the subject ASCII and within 100 characters, and cuts the message at 256 KB', async () => {
    const base = sampleSendRequest(spec).event;
    assert.equal(snsSubject({ ...base, title: 'Café down\n🔥 now' }), '[CRITICAL] Cafe down ? now');
    const long = snsSubject({ ...base, title: 'x'.repeat(300) });
    assert.equal(long.length, 100);
    assert.ok(long.endsWith('...'));

    await snsChannel.send(sampleSendRequest(spec, { text: 'é'.repeat(200000) }));
    const text = new URLSearchParams(receiver.single().body).get('Message') ?? '';
    assert.ok(Buffer.byteLength(text, 'utf8') <= SNS_MESSAGE_MAX_BYTES);
    assert.ok(text.endsWith('…'));
    receiver.reset(published);
    await snsChannel.send(sampleSendRequest({ ...spec, format: 'json' }, { text: 'é'.repeat(200000) }));
    const json = new URLSearchParams(receiver.single().body).get('Message') ?? '';
    assert.ok(Buffer.byteLength(json, 'utf8') <= SNS_MESSAGE_MAX_BYTES);
    assert.ok((JSON.parse(json).text as string).endsWith('…'), 'still JSON, its text cut');
  });

  it('retries throttling and internal errors; dead-letters authorization and parameter errors', async () => {
    receiver.answer(
      snsError(400, 'Throttling', 'Rate exceeded'),
      snsError(429, 'Throttled', 'Publish rate exceeded'),
      snsError(500, 'InternalError', 'Internal failure'),
      snsError(403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish'),
      snsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn'),
    );
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await snsChannel.send(sampleSendRequest(spec)));
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? 'ok' : `${o.retryable} ${o.status} ${o.error}`)),
      [
        'true 400 sns answered 400 Throttling: Rate exceeded',
        'true 429 sns answered 429 Throttled: Publish rate exceeded',
        'true 500 sns answered 500 InternalError: Internal failure',
        'false 403 sns answered 403 AuthorizationError: User is not authorized to perform: SNS:Publish',
        'false 400 sns answered 400 InvalidParameter: Invalid parameter: TopicArn',
      ],
    );
  });

  it('retries when nothing listens', async () => {
    const outcome = await snsChannel.send(sampleSendRequest({ ...spec, endpoint: await refusedUrl() }));
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.retryable, true);
  });

  it('takes the region from the ARN unless given, and keys the budget by topic', () => {
    assert.equal(snsRegion({ topicArn }), 'eu-west-1');
    assert.equal(snsRegion({ topicArn, region: 'us-east-2' }), 'us-east-2');
    assert.equal(snsChannel.destinationKey(spec), topicArn);
    assert.equal(snsChannel.defaultRateLimit, undefined);
  });

  it('names a wrong field', () => {
    const bad = subscriptionInputSchema.safeParse({ protocol: 'sns', topicArn: 'alerts' });
    assert.deepEqual(bad.error?.issues[0].path, ['topicArn']);
    const half = subscriptionInputSchema.safeParse({ protocol: 'sns', topicArn, accessKeyId: 'AKID' });
    assert.deepEqual(half.error?.issues[0].path, ['secretAccessKey']);
  });
});
