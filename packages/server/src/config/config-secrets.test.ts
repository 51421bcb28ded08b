import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { formatIssues, issuesFromApi, loadConfigText } from './config-loader.js';

const ROUTING_KEY = 'R0123456789ABCDEF0123456789ABCDE';
const HOOK_SECRET = 'hmac-secret-0123';

function documentFor(receiverUrl: string) {
  return {
    version: 1,
    topics: [
      {
        name: 'ops',
        subscriptions: [
          { name: 'pd', protocol: 'pagerduty', routingKey: ROUTING_KEY, endpoint: `${receiverUrl}/pagerduty` },
          {
            name: 'hook',
            protocol: 'webhook',
            endpoint: `${receiverUrl}/hook`,
            secret: HOOK_SECRET,
            headers: { 'X-Api-Key': 'header-secret' },
          },
        ],
      },
    ],
    monitors: [
      {
        name: 'api',
        type: 'http',
        url: 'http://127.0.0.1:9/health',
        topics: ['ops'],
        auth: { type: 'basic', username: 'u', password: 'probe-password' },
      },
    ],
    alarms: [
      {
        name: 'disk',
        namespace: 'Host',
        metricName: 'DiskUsed',
        statistic: 'Average',
        period: '5m',
        evaluationPeriods: 1,
        threshold: 70,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        alarmActions: [{ topic: 'ops' }, { webhook: { url: `${receiverUrl}/alarm`, secret: 'alarm-secret-0123' } }],
      },
    ],
  };
}

/** Applies YAML text as `tocsin apply` does; the issues as the CLI prints them, or 'applied'. */
async function applyText(tocsin: Tocsin, text: string): Promise<string> {
  const loaded = loadConfigText(text, 'backup.yaml', {});
  assert.ok(loaded.ok, loaded.ok ? '' : formatIssues(loaded.issues));
  try {
    await tocsin.config.apply({ config: loaded.config });
    return 'applied';
  } catch (err) {
    assert.ok(err instanceof TocsinError, String(err));
    return formatIssues(issuesFromApi(err.details, 'backup.yaml', loaded.locate));
  }
}

for (const variant of await testDatabases()) {
  describe(`exports, secrets and restores on ${variant.name}`, () => {
    let receiver: HttpReceiver;
    let source: Tocsin;
    let disposeSource: () => Promise<void>;
    before(async () => {
      receiver = await new HttpReceiver().start();
      ({ tocsin: source, dispose: disposeSource } = await createTestApp(variant.name, {
        clock: new FakeClock(Date.UTC(2026, 5, 1, 12)),
      }));
      await source.config.apply({ config: documentFor(receiver.url) });
    });
    after(async () => {
      await disposeSource();
      await receiver.stop();
    });

    it('refuses to apply a plain export to a server that does not hold its secrets, at the line of each', async () => {
      const text = stringify(await source.config.export());
      assert.ok(text.includes('<redacted>'));
      const { tocsin: empty, dispose } = await createTestApp(variant.name);
      try {
        const out = (await applyText(empty, text)).split('\n');
        const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
        const expected = [
          // Subscriptions are exported by name: hook, then pd.
          ['topics.0.subscriptions.0.secret', 'secret: <redacted>'],
          ['topics.0.subscriptions.0.headers.X-Api-Key', 'X-Api-Key: <redacted>'],
          ['topics.0.subscriptions.1.routingKey', 'routingKey: <redacted>'],
        ];
        assert.deepEqual(
          out.map((l) => l.replace(/: is <redacted> .*$/, '')),
          expected.map(([field, needle]) => `backup.yaml:${lineOf(needle)}: ${field}`),
          out.join('\n'),
        );
        assert.match(out[0], /no stored value stands behind it here: give the real value or a \$\{VAR\} reference/);
        assert.deepEqual(await empty.topics.list(), [], 'nothing was applied');
        // With the topics restored for real, the next sections are checked the same way.
        const withTopics = text
          .replace(/routingKey: <redacted>/, `routingKey: ${ROUTING_KEY}`)
          .replace(/secret: <redacted>\n/, `secret: ${HOOK_SECRET}\n`)
          .replace('X-Api-Key: <redacted>', 'X-Api-Key: k');
        assert.deepEqual(
          (await applyText(empty, withTopics)).split('\n').map((l) => l.replace(/: is <redacted> .*$/, '')),
          [`backup.yaml:${lineOf('password: <redacted>')}: monitors.0.auth.password`],
        );
      } finally {
        await dispose();
      }
    });

    it('answers 400 naming the field when the API is given <redacted> with nothing stored', async () => {
      const { tocsin: empty, dispose } = await createTestApp(variant.name);
      try {
        const topic = await call(empty, 'POST', '/api/topics', {
          name: 't',
          subscriptions: [{ protocol: 'pagerduty', routingKey: '<redacted>' }],
        });
        assert.equal(topic.status, 400, topic.text);
        assert.deepEqual(
          topic.json.error.details.issues.map((i: { path: string }) => i.path),
          ['subscriptions.0.routingKey'],
        );
        assert.equal((await call(empty, 'POST', '/api/topics', { name: 't' })).status, 201);
        const sub = await call(empty, 'POST', '/api/topics/t/subscriptions', {
          protocol: 'datadog',
          apiKey: '<redacted>',
        });
        assert.equal(sub.status, 400, sub.text);
        assert.deepEqual(
          sub.json.error.details.issues.map((i: { path: string }) => i.path),
          ['apiKey'],
        );
        const put = await call(empty, 'PUT', '/api/topics/t', {
          name: 't',
          subscriptions: [{ protocol: 'webhook', endpoint: 'http://127.0.0.1:9/', secret: '<redacted>' }],
        });
        assert.equal(put.status, 400, put.text);
        assert.deepEqual(
          put.json.error.details.issues.map((i: { path: string }) => i.path),
          ['subscriptions.0.secret'],
        );
        const monitor = await call(empty, 'POST', '/api/monitors', {
          name: 'm',
          type: 'http',
          url: 'http://127.0.0.1:9/',
          auth: { type: 'bearer', token: '<redacted>' },
        });
        assert.equal(monitor.status, 400, monitor.text);
        assert.deepEqual(
          monitor.json.error.details.issues.map((i: { path: string }) => i.path),
          ['auth.token'],
        );
        const alarm = documentFor('http://127.0.0.1:9').alarms[0];
        const hook = { webhook: { url: 'http://127.0.0.1:9/a', secret: '<redacted>' } };
        const created = await call(empty, 'POST', '/api/alarms', { ...alarm, alarmActions: [hook] });
        assert.equal(created.status, 400, created.text);
        assert.deepEqual(
          created.json.error.details.issues.map((i: { path: string }) => i.path),
          ['alarmActions.0.webhook.secret'],
        );
        assert.deepEqual(await empty.topics.list().then((l) => l.map((t) => t.subscriptions.length)), [0]);
      } finally {
        await dispose();
      }
    });

    it('still keeps the stored value where <redacted> stands for one', async () => {
      const text = stringify(await source.config.export());
      const loaded = loadConfigText(text, 'f', {});
      assert.ok(loaded.ok);
      assert.deepEqual((await source.config.apply({ config: loaded.config })).changes, []);
    });

    it('applies back an export whose secrets have a format (webhook URLs, bot tokens), keeping them', async () => {
      const { tocsin: app, dispose } = await createTestApp(variant.name);
      try {
        const slack = `${receiver.url}/services/T0/B0/secret-path`;
        const botToken = '123456789:AAbcdefghijklmnopqrstuvwxyz0123456789';
        const topic = {
          name: 'chat',
          subscriptions: [
            { name: 'slack', protocol: 'slack', endpoint: slack },
            { name: 'tg', protocol: 'telegram', botToken, chatId: '42', endpoint: receiver.url },
          ],
        };
        assert.equal((await call(app, 'POST', '/api/topics', topic)).status, 201);
        const text = stringify(await app.config.export());
        assert.ok(!text.includes(slack) && !text.includes(botToken), text);
        assert.equal(await applyText(app, text), 'applied');
        const backup = stringify((await call(app, 'GET', '/api/config/export?includeSecrets=true')).json.config);
        assert.ok(backup.includes(slack) && backup.includes(botToken), 'the stored secrets are kept');
        // On a server that holds none, the marker is refused at the field, not taken for a URL.
        const { tocsin: empty, dispose: disposeEmpty } = await createTestApp(variant.name);
        try {
          const out = await applyText(empty, text);
          assert.match(out, /topics\.0\.subscriptions\.0\.endpoint: is <redacted>/);
          assert.match(out, /topics\.0\.subscriptions\.1\.botToken: is <redacted>/);
        } finally {
          await disposeEmpty();
        }
      } finally {
        await dispose();
      }
    });

    it('exports secrets only for an admin; restored into an empty server, its deliveries carry them', async () => {
      const readToken = (await source.tokens.create('reader', 'read')).token;
      const denied = await call(source, 'GET', '/api/config/export?includeSecrets=true', undefined, readToken);
      assert.equal(denied.status, 403, denied.text);
      assert.match(denied.json.error.message, /admin/);
      assert.equal((await call(source, 'GET', '/api/config/export', undefined, readToken)).status, 200);
      const backup = await call(source, 'GET', '/api/config/export?includeSecrets=true');
      assert.equal(backup.status, 200, backup.text);
      const text = stringify(backup.json.config);
      assert.ok(!text.includes('<redacted>'), text);
      for (const secret of [ROUTING_KEY, HOOK_SECRET, 'header-secret', 'probe-password', 'alarm-secret-0123'])
        assert.ok(text.includes(secret), secret);

      const { tocsin: restored, dispose } = await createTestApp(variant.name, {
        clock: new FakeClock(Date.UTC(2026, 5, 2, 12)),
      });
      try {
        assert.equal(await applyText(restored, text), 'applied');
        assert.deepEqual(
          (await restored.config.apply({ config: backup.json.config })).changes,
          [],
          'the restore is complete',
        );
        assert.equal(restored.monitors.get('api').monitor.probe.type, 'http');
        assert.deepEqual((restored.monitors.get('api').monitor.probe as { auth?: unknown }).auth, {
          type: 'basic',
          username: 'u',
          password: 'probe-password',
        });
        await restored.publisher.publish('ops', { kind: 'test', title: 'after the restore' });
        await restored.outbox.runOnce();
        const pd = receiver.requests.find((r) => r.path === '/pagerduty');
        assert.equal(pd?.json().routing_key, ROUTING_KEY);
        const hook = receiver.requests.find((r) => r.path === '/hook');
        assert.equal(hook?.headers['x-api-key'], 'header-secret');
        assert.ok(hook?.headers['x-tocsin-signature'], 'signed with the restored secret');
      } finally {
        await dispose();
      }
    });
  });
}
