import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema } from '@tocsin/protocol';
import { recovery, sampleSendRequest } from '../../test-support/sample-send-request.js';
import { TestReceiver } from '../../test-support/scripted-receiver.js';
import { TWILIO_BODY_MAX, twilioSmsChannel } from './twilio-sms-channel.js';

const accountSid = `AC${'a1'.repeat(16)}`;
const serviceSid = `MG${'b2'.repeat(16)}`;
const authToken = 'twilio-auth-token';
const queued = {
  status: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sid: `SM${'c3'.repeat(16)}`, status: 'queued', num_segments: '1' }),
};

function twilioError(status: number, code: number, message: string) {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
  };
}

describe('twilio sms channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let spec: Record<string, unknown>;

  before(async () => {
    receiver = await TestReceiver.start();
    spec = {
      protocol: 'twilio_sms',
      accountSid,
      authToken,
      from: '+14155550100',
      to: ['+14155550101'],
      endpoint: receiver.url,
    };
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(queued));

  it('posts a form with From, To and Body to the account’s Messages.json with basic auth', async () => {
    const outcome = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.deepEqual(outcome, { ok: true, status: 201 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/2010-04-01/Accounts/${accountSid}/Messages.json`);
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    const form = Object.fromEntries(new URLSearchParams(req.body));
    assert.deepEqual(form, {
      To: '+14155550101',
      From: '+14155550100',
      Body: 'CRITICAL: API is down\nanswered 503 twice\nmonitor/api-health 2025-01-02T03:04:05.000Z',
    });
  });

  it('sends one message per number, through a Messaging Service when given, and says RESOLVED', async () => {
    const { from: _, ...rest } = spec;
    const many = { ...rest, messagingServiceSid: serviceSid, to: ['+14155550101', '+447700900123'] };
    await twilioSmsChannel.send(sampleSendRequest(many, recovery));
    assert.equal(receiver.requests.length, 2);
    const forms = receiver.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    assert.deepEqual(
      forms.map((f) => f.To),
      ['+14155550101', '+447700900123'],
    );
    for (const f of forms) {
      assert.equal(f.MessagingServiceSid, serviceSid);
      assert.equal(f.From, undefined);
      assert.equal(f.Body, 'RESOLVED: API is up\nmonitor/api-health 2025-01-02T03:04:05.000Z');
    }
  });

  it('cuts the body to 1,600 characters with a mark', async () => {
    await twilioSmsChannel.send(sampleSendRequest(spec, { text: 'x'.repeat(5000) }));
    const body = new URLSearchParams(receiver.single().body).get('Body') ?? '';
    assert.equal(body.length, TWILIO_BODY_MAX);
    assert.ok(body.endsWith('…'));
  });

  it('dead-letters a bad number and a wrong token with Twilio’s code', async () => {
    receiver.answer(
      twilioError(400, 21211, "The 'To' number +14155550101 is not a valid phone number."),
      twilioError(401, 20003, 'Authenticate'),
    );
    const bad = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.deepEqual(bad, {
      ok: false,
      retryable: false,
      status: 400,
      error: "twilio answered 400 21211: The 'To' number +14155550101 is not a valid phone number.",
      retryAfterMs: undefined,
    });
    const denied = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.equal(!denied.ok && denied.retryable, false);
    assert.equal(!denied.ok && denied.error, 'twilio answered 401 20003: Authenticate');
  });

  it('retries 20429 with Retry-After, a full queue (21611) and 5xx', async () => {
    receiver.answer(
      { ...twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': '3' } },
      twilioError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages"),
      { status: 503, body: 'Service Unavailable' },
    );
    const throttled = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'twilio answered 429 20429: Too Many Requests',
      retryAfterMs: 3000,
    });
    const full = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.equal(!full.ok && full.retryable, true);
    const broken = await twilioSmsChannel.send(sampleSendRequest(spec));
    assert.equal(!broken.ok && broken.retryable, true);
  });

  it('names each failed number when some of several fail', async () => {
    receiver.answer(queued, twilioError(400, 21211, "The 'To' number +447700900123 is not a valid phone number."));
    const outcome = await twilioSmsChannel.send(sampleSendRequest({ ...spec, to: ['+14155550101', '+447700900123'] }));
    assert.equal(receiver.requests.length, 2);
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 400,
      error:
        "sent to 1 of 2; +447700900123: twilio answered 400 21211: The 'To' number +447700900123 is not a valid " +
        'phone number.',
      retryAfterMs: undefined,
    });
  });

  it('keys the budget by the account and the sender, one message a second', () => {
    assert.equal(twilioSmsChannel.destinationKey(spec), `${receiver.url}#${accountSid}#+14155550100`);
    assert.equal(twilioSmsChannel.defaultRateLimit, 1);
  });

  it('names a wrong field and asks for one sender', () => {
    const bad = subscriptionInputSchema.safeParse({ ...spec, to: ['0155 555'] });
    assert.deepEqual(bad.error?.issues[0].path, ['to', 0]);
    const both = subscriptionInputSchema.safeParse({ ...spec, messagingServiceSid: serviceSid });
    assert.deepEqual(both.error?.issues[0].path, ['from']);
    const { from: _, ...none } = spec;
    assert.deepEqual(subscriptionInputSchema.safeParse(none).error?.issues[0].path, ['from']);
  });
});
