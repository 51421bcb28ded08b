import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { TocsinError } from '../../core/errors.js';
import { decodeSubscriptionBody, decodeSubscriptionData, lambdaFunctionOf } from './cloudwatch-subscription.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);

/** The sample event of AWS's Lambda documentation ("Using Lambda with CloudWatch Logs") and Powertools'. */
const AWS_LAMBDA_SAMPLE = {
  awslogs: {
    data:
      'H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK+smZBEUgXoLCdMhFtKV3akI8d0bLYmibvPPN3wz00CJxmQnTO41whwWQRIc' +
      'tmEcB6sQbFC3CjW3XW8kxpOpP+OC22d1Wml1qZkQGtoMsScxaczKN3plG8zlaHIta5KqWsozoTYw3/djzwhpLwivWFGH' +
      'GpAFe7DL68JlBUk+l7KSN7tCOEJ4M3/qOI49vMHj+zCKdlFqLaU2ZHV2a4Ct/an0/ivdX8oYc1UVX860fQDQiMdxRQEAAA==',
  },
};

/** The decoded sample of CloudWatch Logs' "Subscription filters with Kinesis Data Streams" page. */
const CLOUDTRAIL_SAMPLE = {
  owner: '111111111111',
  logGroup: 'CloudTrail/logs',
  logStream: '111111111111_CloudTrail/logs_us-east-1',
  subscriptionFilters: ['Destination'],
  messageType: 'DATA_MESSAGE',
  logEvents: [
    {
      id: '31953106606966983378809025079804211143289615424298221568',
      timestamp: 1432826855000,
      message: '{"eventVersion":"1.03","userIdentity":{"type":"Root"}',
    },
    {
      id: '31953106606966983378809025079804211143289615424298221569',
      timestamp: 1432826855000,
      message: '{"eventVersion":"1.03","userIdentity":{"type":"Root"}',
    },
    {
      id: '31953106606966983378809025079804211143289615424298221570',
      timestamp: 1432826855000,
      message: '{"eventVersion":"1.03","userIdentity":{"type":"Root"}',
    },
  ],
};

/** The health check CloudWatch sends when a subscription is created (as AWS's destinations receive it). */
const CONTROL = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [
    { id: '', timestamp: 1600110003794, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' },
  ],
};

const pack = (value: unknown) => gzipSync(JSON.stringify(value)).toString('base64');
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TocsinError);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('CloudWatch Logs subscription payloads', () => {
  it("decodes AWS's Lambda sample event: two [ERROR] lines of testLogGroup", () => {
    const [batch] = decodeSubscriptionBody(body(AWS_LAMBDA_SAMPLE), NOW);
    assert.equal(batch.control, false);
    assert.equal(batch.payload.owner, '123456789123');
    assert.deepEqual(batch.payload.subscriptionFilters, ['testFilter']);
    const resource = {
      'cloud.provider': 'aws',
      'cloud.account.id': '123456789123',
      'aws.log.group.names': ['testLogGroup'],
      'aws.log.stream.names': ['testLogStream'],
      'aws.log.subscription_filters': ['testFilter'],
    };
    const error = { number: 17, text: 'ERROR' };
    const common = { observedTime: NOW, group: 'testLogGroup', stream: 'testLogStream', level: error, resource };
    assert.deepEqual(batch.events, [
      {
        ...common,
        time: 1440442987000,
        message: '[ERROR] First test message',
        attributes: { 'aws.log.event_id': 'eventId1' },
      },
      {
        ...common,
        time: 1440442987001,
        message: '[ERROR] Second test message',
        attributes: { 'aws.log.event_id': 'eventId2' },
      },
    ]);
  });

  it("maps a Lambda group: source, faas.name, the REPORT line of AWS's echo-nodejs example", () => {
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/echo-nodejs',
      logStream: '2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7',
      subscriptionFilters: ['LambdaStream_cloudwatchlogs-node'],
      logEvents: [
        {
          id: '34622316099697884706540976068822859012661220141643892546',
          timestamp: 1552518348220,
          message:
            'REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \t' +
            'Memory Size: 192 MB\tMax Memory Used: 72 MB\t\n',
        },
      ],
    };
    const [event] = decodeSubscriptionData(pack(payload), NOW).events;
    assert.equal(event.source, 'echo-nodejs');
    assert.deepEqual(event.level, { number: 9, text: 'info' });
    assert.equal(event.message, payload.logEvents[0].message.slice(0, -1));
    assert.deepEqual(event.attributes, {
      'aws.log.event_id': '34622316099697884706540976068822859012661220141643892546',
      'faas.invocation_id': '6234bffe-149a-b642-81ff-2e8e376d8aff',
    });
    assert.equal(event.resource['cloud.platform'], 'aws_lambda');
    assert.equal(event.resource['faas.name'], 'echo-nodejs');
  });

  it('decodes the Kinesis sample (CloudTrail): three events, group and stream, no source or level', () => {
    const batches = decodeSubscriptionBody(body({ Records: [{ kinesis: { data: pack(CLOUDTRAIL_SAMPLE) } }] }), NOW);
    assert.equal(batches.length, 1);
    const { events } = batches[0];
    assert.equal(events.length, 3);
    assert.deepEqual(
      events.map((e) => [e.time, e.group, e.stream, e.source, e.level, e.attributes['aws.log.event_id']]),
      CLOUDTRAIL_SAMPLE.logEvents.map((e) => [
        1432826855000,
        'CloudTrail/logs',
        CLOUDTRAIL_SAMPLE.logStream,
        undefined,
        undefined,
        e.id,
      ]),
    );
    assert.equal(events[0].message, '{"eventVersion":"1.03","userIdentity":{"type":"Root"}');
    assert.equal(events[0].resource['cloud.platform'], undefined);
  });

  it('answers a CONTROL_MESSAGE with no events', () => {
    const batch = decodeSubscriptionData(pack(CONTROL), NOW);
    assert.equal(batch.control, true);
    assert.deepEqual(batch.events, []);
    const [raw] = decodeSubscriptionBody(gzipSync(JSON.stringify(CONTROL)), NOW);
    assert.equal(raw.control, true);
  });

  it('reads levels and request ids from Lambda text, Python, JSON and timeout lines', () => {
    const id = 'c0ffee00-1111-2222-3333-444455556666';
    const messages = [
      `2024-05-01T10:00:00.123Z\t${id}\tERROR\tInvoke Error {"errorType":"TypeError"}\n`,
      `[WARNING]\t2024-05-01T10:00:00.123Z\t${id}\tslow downstream\n`,
      `{"timestamp":"2024-05-01T10:00:00Z","level":"DEBUG","requestId":"${id}","message":"hi"}`,
      `{"level":50,"msg":"pino error"}`,
      `2024-05-01T10:00:03.000Z ${id} Task timed out after 3.00 seconds\n`,
      `START RequestId: ${id} Version: $LATEST\n`,
      'plain text with no level',
    ];
    const payload = {
      ...CLOUDTRAIL_SAMPLE,
      logGroup: '/aws/lambda/checkout',
      logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1, message })),
    };
    const { events } = decodeSubscriptionData(pack(payload), NOW);
    assert.deepEqual(
      events.map((e) => [e.level?.text, e.attributes['faas.invocation_id']]),
      [
        ['ERROR', id],
        ['WARNING', id],
        ['DEBUG', id],
        ['error', undefined],
        ['error', id],
        ['info', id],
        [undefined, undefined],
      ],
    );
    assert.equal(events[0].message, `2024-05-01T10:00:00.123Z\t${id}\tERROR\tInvoke Error {"errorType":"TypeError"}`);
    assert.ok(events.every((e) => e.source === 'checkout'));
  });

  it('names the Lambda function of a log group only for /aws/lambda/<function>', () => {
    assert.equal(lambdaFunctionOf('/aws/lambda/orders'), 'orders');
    assert.equal(lambdaFunctionOf('/aws/lambda/'), undefined);
    assert.equal(lambdaFunctionOf('/ecs/orders'), undefined);
  });

  it('refuses bad bodies, each with its reason', () => {
    rejects(() => decodeSubscriptionBody(Buffer.from('not json'), NOW), 'bad_request', /the body is not JSON/);
    rejects(() => decodeSubscriptionBody(body({ logs: 1 }), NOW), 'bad_request', /neither .*awslogs.*Kinesis/);
    rejects(() => decodeSubscriptionData('%%%', NOW), 'bad_request', /awslogs.data is not base64/);
    rejects(
      () => decodeSubscriptionData(Buffer.from(JSON.stringify(CONTROL)).toString('base64'), NOW),
      'bad_request',
      /not gzip data/,
    );
    const truncated = gzipSync(JSON.stringify(CONTROL)).subarray(0, 20).toString('base64');
    rejects(() => decodeSubscriptionData(truncated, NOW), 'bad_request', /not a valid gzip stream/);
    rejects(() => decodeSubscriptionData(gzipSync('{').toString('base64'), NOW), 'bad_request', /not JSON once/);
    rejects(
      () => decodeSubscriptionData(pack({ ...CONTROL, messageType: 'HELLO' }), NOW),
      'bad_request',
      /awslogs\.data\.messageType/,
    );
    rejects(
      () => decodeSubscriptionData(pack({ ...CLOUDTRAIL_SAMPLE, logEvents: [{ id: '1', message: 'x' }] }), NOW),
      'bad_request',
      /awslogs\.data\.logEvents\.0\.timestamp/,
    );
    const bomb = gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20)).toString('base64');
    rejects(() => decodeSubscriptionData(bomb, NOW), 'payload_too_large', /decompresses to more than/);
    rejects(
      () => decodeSubscriptionBody(body({ Records: [{ kinesis: { data: 'AAAA' } }] }), NOW),
      'bad_request',
      /Records\.0\.kinesis\.data is not gzip/,
    );
  });
});
