import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import { SMTPServer } from 'smtp-server';
import type { Channel, SendRequest } from './channel.js';
import { createEmailChannel } from './email-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);
const confirmUrl = 'https://tocsin.example.com/confirm/c0nf1rm-t0ken-0123456789abcdefghijklmnopqrstuvwxyz';
const unsubscribeUrl = 'https://tocsin.example.com/unsubscribe/uns-t0ken-0123456789abcdefghijklmnopqrstuvwxyz';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** The header block and the decoded text of each part, enough to check what a reader sees. */
interface ParsedMail {
  header(name: string): string | undefined;
  parts: Map<string, string>;
}

function splitHead(raw: string): { head: Map<string, string>; body: string } {
  const cut = raw.indexOf('\r\n\r\n');
  const head = new Map<string, string>();
  for (const line of raw
    .slice(0, cut)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    head.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { head, body: raw.slice(cut + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => `%${hex}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, '%25'));
  }
  return body;
}

function parseMail(raw: string): ParsedMail {
  const { head, body } = splitHead(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(head.get('content-type') ?? '')?.[1];
  assert.ok(boundary, 'the mail is multipart');
  const parts = new Map<string, string>();
  for (const chunk of body.split(`--${boundary}`).slice(1, -1)) {
    const part = splitHead(chunk.replace(/^\r\n/, ''));
    const type = (part.head.get('content-type') ?? '').split(';')[0];
    parts.set(
      type,
      decode(part.body.replace(/\r\n$/, ''), part.head.get('content-transfer-encoding')).replace(/\r\n/g, '\n'),
    );
  }
  return { header: (name) => head.get(name.toLowerCase()), parts };
}

function request(purpose: SendRequest['purpose'], event: Partial<TocsinEvent> = {}): SendRequest {
  return {
    deliveryId: 'd-0001',
    purpose,
    attempt: 1,
    event: {
      id: 'e-1',
      topic: 'ops',
      time,
      kind: 'monitor.down',
      severity: 'critical',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API <b>is</b> down',
      text: 'answered 503 & gave up',
      attributes: { status: 503, body: '<html>' },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'email', endpoint: 'alice@example.org' },
    subscriptionName: 'alice',
    links: { unsubscribe: unsubscribeUrl, ...(purpose === 'confirmation' ? { confirm: confirmUrl } : {}) },
    timeoutMs: 2000,
  };
}

describe('email channel', { timeout: 10_000 }, () => {
  const mails: ReceivedMail[] = [];
  /** The reply to the next RCPT TO, when it should fail. */
  let rejectRcpt: { code: number; message: string } | undefined;
  let server: SMTPServer;
  let smtpUrl: string;
  let channel: Channel;

  before(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        const reject = rejectRcpt;
        rejectRcpt = undefined;
        if (!reject) return callback();
        callback(Object.assign(new Error(reject.message), { responseCode: reject.code }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const env = session.envelope;
          mails.push({
            from: env.mailFrom ? env.mailFrom.address : '',
            to: env.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    channel = createEmailChannel({ smtpUrl, mailFrom: 'Tocsin <tocsin@example.com>' });
  });
  after(async () => {
    await channel.close?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    mails.length = 0;
    rejectRcpt = undefined;
  });

  it('sends a confirmation mail with the confirm and unsubscribe links', async () => {
    assert.deepEqual(await channel.send(request('confirmation')), { ok: true });
    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.equal(mail.from, 'tocsin@example.com');
    assert.deepEqual(mail.to, ['alice@example.org']);
    const parsed = parseMail(mail.raw);
    assert.equal(parsed.header('subject'), 'Confirm your subscription to topic ops');
    assert.equal(parsed.header('to'), 'alice@example.org');
    assert.equal(parsed.header('from'), 'Tocsin <tocsin@example.com>');
    assert.equal(parsed.header('x-tocsin-delivery'), 'd-0001');
    assert.equal(parsed.header('message-id'), '<d-0001@example.com>');
    assert.equal(parsed.header('list-unsubscribe'), `<${unsubscribeUrl}>`);
    assert.equal(parsed.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.match(parsed.header('content-type') ?? '', /^multipart\/alternative/);
    const text = parsed.parts.get('text/plain') ?? '';
    const html = parsed.parts.get('text/html') ?? '';
    assert.match(text, /topic ops to alice@example\.org/);
    assert.ok(text.includes(`\n${confirmUrl}\n`), 'the confirm link stands on its own line');
    assert.match(text, /valid for 3 days/);
    assert.ok(text.includes(`Unsubscribe: ${unsubscribeUrl}`));
    assert.ok(html.includes(`<a href="${confirmUrl}">`));
    assert.ok(html.includes(`<a href="${unsubscribeUrl}">`));
    assert.match(html, /valid for 3 days/);
  });

  it('sends an event mail with severity in the subject and everything escaped in HTML', async () => {
    assert.deepEqual(await channel.send(request('event')), { ok: true });
    const parsed = parseMail(mails[0].raw);
    assert.equal(parsed.header('subject'), '[CRITICAL] API <b>is</b> down');
    assert.equal(parsed.header('list-unsubscribe'), `<${unsubscribeUrl}>`);
    const text = parsed.parts.get('text/plain') ?? '';
    const html = parsed.parts.get('text/html') ?? '';
    for (const line of [
      'answered 503 & gave up',
      'Source: monitor/api-health (env=prod)',
      'Time: 2025-01-02T03:04:05.000Z',
      '  status: 503',
      '  body: <html>',
    ]) {
      assert.ok(text.includes(line), `text has ${JSON.stringify(line)}`);
    }
    assert.ok(text.includes(`Unsubscribe: ${unsubscribeUrl}`));
    assert.ok(html.includes('API &#60;b&#62;is&#60;/b&#62; down'));
    assert.ok(html.includes('answered 503 &#38; gave up'));
    assert.ok(html.includes('body: &#60;html&#62;'));
    assert.ok(!html.includes('<b>is</b>'), 'no markup from the event reaches the HTML');
    assert.ok(html.includes(`<a href="${unsubscribeUrl}">`));
  });

  it('sends one mail for a group: the summary as subject, each event with its time, title and text', async () => {
    const events = monitorChanges(4, time);
    assert.deepEqual(await channel.send(groupRequest(request('event'), events)), { ok: true });
    assert.equal(mails.length, 1);
    const parsed = parseMail(mails[0].raw);
    assert.equal(parsed.header('subject'), '3 down, 1 recovered: site-0, site-1, site-2, site-3');
    assert.equal(parsed.header('x-tocsin-delivery'), 'd-0001');
    const text = parsed.parts.get('text/plain') ?? '';
    const html = parsed.parts.get('text/html') ?? '';
    assert.ok(text.includes('4 events on topic ops, from 2025-01-02T03:04:05.000Z to 2025-01-02T03:04:08.000Z.'));
    const expected = [
      '2025-01-02T03:04:05.000Z  [CRITICAL] site-0 is down',
      '    https://site-0.example.com/health: answered 503 <Service Unavailable>',
      '    monitor/site-0',
      '',
      '2025-01-02T03:04:06.000Z  [CRITICAL] site-1 is down',
      '    https://site-1.example.com/health: answered 503 <Service Unavailable>',
      '    monitor/site-1',
      '',
      '2025-01-02T03:04:07.000Z  [RESOLVED] site-2 is up again',
      '    https://site-2.example.com/health: answered 200 after 2m',
      '    monitor/site-2',
    ].join('\n');
    assert.ok(text.includes(expected), 'the events are listed in order');
    assert.ok(text.includes(`Unsubscribe: ${unsubscribeUrl}`));
    const at = (s: string) => html.indexOf(s);
    assert.ok(
      at('site-0 is down') > 0 &&
        at('site-0 is down') < at('site-1 is down') &&
        at('site-1 is down') < at('site-3 is down'),
    );
    assert.ok(html.includes('answered 503 &#60;Service Unavailable&#62;'));
    assert.ok(!html.includes('<Service'), 'event text is escaped in HTML');
  });

  it('marks a resolution as resolved in the subject', async () => {
    await channel.send(request('event', { kind: 'monitor.up', severity: 'ok', title: 'API is up' }));
    assert.equal(parseMail(mails[0].raw).header('subject'), '[RESOLVED] API is up');
  });

  it('dead-letters a recipient the server refuses with 550', async () => {
    rejectRcpt = { code: 550, message: 'No such user here' };
    const outcome = await channel.send(request('event'));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.retryable, false);
    assert.equal(outcome.status, 550);
    assert.match(outcome.error, /^the SMTP server refused RCPT TO: 550 No such user here/);
    assert.equal(mails.length, 0);
  });

  it('retries a recipient the server defers with 451', async () => {
    rejectRcpt = { code: 451, message: 'Try again later' };
    const outcome = await channel.send(request('event'));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.retryable, true);
    assert.equal(outcome.status, 451);
    assert.match(outcome.error, /451 Try again later/);
    assert.deepEqual(await channel.send(request('event')), { ok: true }, 'the pool still works after a refusal');
  });

  it('retries when the SMTP server cannot be reached', async () => {
    const down = createEmailChannel({
      smtpUrl: (await refusedUrl()).replace('http:', 'smtp:'),
      mailFrom: 'tocsin@example.com',
    });
    try {
      const outcome = await down.send(request('event'));
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.equal(outcome.retryable, true);
      assert.match(outcome.error, /^cannot reach the SMTP server: .*ECONNREFUSED/);
    } finally {
      await down.close?.();
    }
  });

  it('fails at once when e-mail is not set up', async () => {
    const unset = createEmailChannel({ mailFrom: 'tocsin@example.com' });
    assert.deepEqual(await unset.send(request('confirmation')), {
      ok: false,
      retryable: false,
      error: 'e-mail is not set up: set TOCSIN_SMTP_URL',
    });
    await unset.close?.();
  });

  it('dead-letters a confirmation without a confirm link', async () => {
    const req = request('confirmation');
    const outcome = await channel.send({ ...req, links: { unsubscribe: unsubscribeUrl } });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.retryable, false);
    assert.equal(mails.length, 0);
  });

  it('shares one rate budget per SMTP server, with no default limit', () => {
    const host = new URL(smtpUrl).host;
    assert.equal(channel.destinationKey({ endpoint: 'a@example.org' }), host);
    assert.equal(channel.destinationKey({ endpoint: 'b@example.net' }), host);
    assert.equal(channel.defaultRateLimit, undefined);
  });
});
