import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { HttpReceiver, waitFor } from '../packages/server/src/test-support/http-receiver.js';
import { freePort, runCli, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'e2e-admin-token-0123456789';
const HMAC_SECRET = 'whsec-e2e-0123456789';

interface Mail {
  to: string[];
  raw: string;
}

/** Unfolds headers and undoes quoted-printable soft breaks and escapes, enough to read links. */
function readable(raw: string): string {
  return raw
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
}

describe('notifications end to end', () => {
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let smtpPort: number;
  let receiver: HttpReceiver;
  let server: ServerProcess;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as import('node:net').AddressInfo).port;
    receiver = await new HttpReceiver().start();
    receiver.respond = (req) => {
      if (req.path.startsWith('/pagerduty'))
        return {
          status: 202,
          body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: req.json().dedup_key }),
        };
      if (req.path.startsWith('/datadog')) return { status: 202, body: JSON.stringify({ status: 'ok' }) };
      return { status: 200, body: 'ok' };
    };
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-e2e-'));
    const port = await freePort();
    env = {
      TOCSIN_DATA_DIR: dir,
      TOCSIN_PORT: String(port),
      TOCSIN_ADMIN_TOKEN: TOKEN,
      TOCSIN_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      TOCSIN_MAIL_FROM: 'tocsin@example.com',
      TOCSIN_PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    server = await startServer(env);
  });

  after(async () => {
    await server?.stop();
    await receiver?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'applies a config, confirms the e-mail address by its ' + 'link, and delivers one event to every destination',
    async () => {
      const file = path.join(dir, 'tocsin.yaml');
      writeFileSync(
        file,
        `topics:
  - name: ops
    displayName: Operations
    subscriptions:
      - protocol: email
        endpoint: oncall@example.com
      - protocol: slack
        endpoint: \${SLACK_URL}
      - protocol: webhook
        endpoint: ${receiver.url}/webhook
        secret: \${HOOK_SECRET}
      - protocol: pagerduty
        routingKey: R0123456789ABCDEF0123456789ABCDE
        endpoint: ${receiver.url}/pagerduty
      - protocol: datadog
        apiKey: dd-key-0123
        endpoint: ${receiver.url}/datadog
version: 1
`,
      );
      const cliEnv = {
        TOCSIN_URL: server.url,
        TOCSIN_TOKEN: TOKEN,
        SLACK_URL: `${receiver.url}/slack/T000/B000/XXX`,
        HOOK_SECRET: HMAC_SECRET,
      };
      const applied = await runCli(['apply', '-f', file], cliEnv);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /\+ topic ops/);

      await waitFor(() => mails.length === 1, 'the confirmation mail');
      const confirmation = readable(mails[0].raw);
      assert.deepEqual(mails[0].to, ['oncall@example.com']);
      assert.match(confirmation, /^Subject: .*ops/m);
      const link = new RegExp(`${env.TOCSIN_PUBLIC_URL}/confirm/[A-Za-z0-9]+`).exec(confirmation)?.[0];
      assert.ok(link, 'the mail carries a confirmation link');
      const page = await fetch(link);
      assert.equal(page.status, 200);
      assert.match(
        await page.text(),
        /<form method="post">/,
        'opening the link asks, so a mail scanner confirms nothing',
      );
      const confirmed = await fetch(link, { method: 'POST' });
      assert.equal(confirmed.status, 200);
      assert.match(await confirmed.text(), /confirmed/i);

      const published = await runCli(
        [
          'publish',
          'ops',
          '--kind',
          'monitor.down',
          '--severity',
          'critical',
          '--title',
          'api is down',
          '--text',
          'status 503',
          '--dedup-key',
          'monitor-api',
        ],
        cliEnv,
      );
      assert.equal(published.code, 0, published.stderr);
      await waitFor(() => mails.length === 2 && receiver.requests.length === 4, 'one message at each destination');

      const byPath = (p: string) => receiver.requests.filter((r) => r.path.startsWith(p));
      const [slack] = byPath('/slack');
      assert.match(String(slack.headers['content-type']), /^application\/json/);
      assert.match(slack.json().text, /api is down/);
      assert.ok(Array.isArray(slack.json().blocks) && slack.json().blocks.length > 0);

      const [hook] = byPath('/webhook');
      const signature = String(hook.headers['x-tocsin-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
      assert.equal(v1, createHmac('sha256', HMAC_SECRET).update(`${t}.${hook.body}`).digest('hex'));
      assert.equal(hook.json().event.title, 'api is down');
      assert.equal(hook.json().event.dedupKey, 'monitor-api');

      const [pd] = byPath('/pagerduty');
      assert.equal(pd.json().routing_key, 'R0123456789ABCDEF0123456789ABCDE');
      assert.equal(pd.json().event_action, 'trigger');
      assert.equal(pd.json().dedup_key, 'monitor-api');
      assert.equal(pd.json().payload.severity, 'critical');
      assert.match(pd.json().payload.summary, /api is down/);

      const [dd] = byPath('/datadog');
      assert.equal(dd.headers['dd-api-key'], 'dd-key-0123');
      assert.equal(dd.json().alert_type, 'error');
      assert.equal(dd.json().aggregation_key, 'monitor-api');

      const mail = readable(mails[1].raw);
      assert.match(mail, /^Subject: .*api is down/m);
      assert.match(mail, /^List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9]+>/m);

      // The resolution reaches PagerDuty as a resolve of the same incident.
      const resolved = await runCli(
        [
          'publish',
          'ops',
          '--kind',
          'monitor.up',
          '--severity',
          'ok',
          '--title',
          'api is up',
          '--dedup-key',
          'monitor-api',
        ],
        cliEnv,
      );
      assert.equal(resolved.code, 0, resolved.stderr);
      await waitFor(() => byPath('/pagerduty').length === 2, 'the resolve');
      assert.equal(byPath('/pagerduty')[1].json().event_action, 'resolve');
      assert.equal(byPath('/pagerduty')[1].json().dedup_key, 'monitor-api');

      // Unsubscribing by the mail's link stops the mails.
      const unsubscribe = /http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9]+/.exec(mail)![0];
      assert.equal((await fetch(unsubscribe)).status, 200);
      assert.equal((await fetch(unsubscribe, { method: 'POST' })).status, 200);
      await waitFor(() => mails.length === 3, 'the resolution mail');
      const before = mails.length;
      const third = await runCli(['publish', 'ops', '--title', 'after unsubscribe'], cliEnv);
      assert.equal(third.code, 0, third.stderr);
      await waitFor(() => byPath('/webhook').length === 3, 'the third webhook');
      assert.equal(mails.length, before, 'no mail after unsubscribing');
    },
  );
});
