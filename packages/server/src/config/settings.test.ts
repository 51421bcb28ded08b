import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TocsinError } from '../core/errors.js';
import { readFileSync } from 'node:fs';
import { clientSettings, clusterSpecs, loadSettings, logIngestDefaults, retentionSpecs } from './settings.js';

describe('settings', () => {
  it('has defaults that need no set-up', () => {
    const s = loadSettings({}, {}, '/srv/tocsin');
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.port, 8080);
    assert.equal(s.dataDir, '/srv/tocsin/data');
    assert.equal(s.databaseUrl, `sqlite:${path.join('/srv/tocsin/data', 'tocsin.db')}`);
    assert.equal(s.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(s.configFile, undefined);
    assert.equal(s.smtpUrl, undefined);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      TOCSIN_PORT: '9000',
      TOCSIN_HOST: '0.0.0.0',
      TOCSIN_DATABASE_URL: 'postgres://u@db:5432/tocsin',
      TOCSIN_PUBLIC_URL: 'https://alerts.example.com/',
    };
    const s = loadSettings({ port: '9100' }, env, '/x');
    assert.equal(s.port, 9100);
    assert.equal(s.host, '0.0.0.0');
    assert.equal(s.databaseUrl, 'postgres://u@db:5432/tocsin');
    assert.equal(s.publicUrl, 'https://alerts.example.com');
  });

  it('rejects a bad value with the variable and flag named', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ TOCSIN_PORT: '70000' }, /^TOCSIN_PORT \(--port\)/],
      [{ TOCSIN_DATABASE_URL: 'mysql://x/y' }, /^TOCSIN_DATABASE_URL \(--database-url\)/],
      [{ TOCSIN_PUBLIC_URL: 'ftp://x' }, /^TOCSIN_PUBLIC_URL \(--public-url\)/],
      [{ TOCSIN_SMTP_URL: 'http://mail' }, /^TOCSIN_SMTP_URL \(--smtp-url\)/],
      [{ TOCSIN_MAIL_FROM: 'nobody' }, /^TOCSIN_MAIL_FROM \(--mail-from\)/],
      [{ TOCSIN_LOG_LEVEL: 'loud' }, /^TOCSIN_LOG_LEVEL \(--log-level\)/],
      [{ TOCSIN_ADMIN_TOKEN: 'abc' }, /^TOCSIN_ADMIN_TOKEN \(--admin-token\)/],
      [{ TOCSIN_CONFIG: '/nope/tocsin.yaml' }, /^TOCSIN_CONFIG \(--config\): file \/nope\/tocsin\.yaml does not exist/],
    ];
    for (const [env, pattern] of cases) {
      assert.throws(
        () => loadSettings({}, env, '/x'),
        (err: unknown) => err instanceof TocsinError && pattern.test(err.message),
        JSON.stringify(env),
      );
    }
  });

  it('keeps history per domain for the documented defaults, or the durations given', () => {
    const day = 86_400_000;
    assert.deepEqual(loadSettings({}, {}, '/x').retention, {
      results: 7 * day,
      rollups: 366 * day,
      pings: 30 * day,
      datapoints: 15 * day,
      delivered: 30 * day,
      dead: 90 * day,
      commands: 90 * day,
    });
    const s = loadSettings(
      { 'retention-pings': '2d' },
      { TOCSIN_RETENTION_PINGS: '9d', TOCSIN_RETENTION_DEAD: '1w', TOCSIN_RETENTION_RESULTS: '36h' },
      '/x',
    );
    assert.equal(s.retention.pings, 2 * day, 'the flag wins');
    assert.equal(s.retention.dead, 7 * day);
    assert.equal(s.retention.results, 1.5 * day);
    for (const [env, pattern] of [
      [
        { TOCSIN_RETENTION_RESULTS: 'forever' },
        /^TOCSIN_RETENTION_RESULTS \(--retention-results\): 'forever' is not a duration of at least 1h \(such as 7d\)$/,
      ],
      [
        { TOCSIN_RETENTION_PINGS: '30m' },
        /^TOCSIN_RETENTION_PINGS \(--retention-pings\): '30m' is not a duration of at least 1h/,
      ],
      [
        { TOCSIN_RETENTION_DATAPOINTS: '14d' },
        /^TOCSIN_RETENTION_DATAPOINTS \(--retention-datapoints\): '14d' is not a duration of at least 15d/,
      ],
      [{ TOCSIN_RETENTION_DELIVERED: '-1d' }, /^TOCSIN_RETENTION_DELIVERED \(--retention-delivered\)/],
    ] as [Record<string, string>, RegExp][]) {
      assert.throws(
        () => loadSettings({}, env, '/x'),
        (err: unknown) => err instanceof TocsinError && pattern.test(err.message),
        JSON.stringify(env),
      );
    }
  });

  it('reads the log queue size with a unit, and refuses one out of range', () => {
    assert.equal(loadSettings({}, {}, '/x').logsQueueBytes, 64 * 1024 ** 2);
    assert.equal(loadSettings({ 'logs-queue-bytes': '256MiB' }, {}, '/x').logsQueueBytes, 256 * 1024 ** 2);
    assert.equal(loadSettings({}, { TOCSIN_LOGS_QUEUE_BYTES: '2G' }, '/x').logsQueueBytes, 2e9);
    assert.equal(loadSettings({}, { TOCSIN_LOGS_QUEUE_BYTES: '5000000' }, '/x').logsQueueBytes, 5e6);
    for (const bad of ['1KiB', '64 parsecs', '99GiB'])
      assert.throws(
        () => loadSettings({ 'logs-queue-bytes': bad }, {}, '/x'),
        /TOCSIN_LOGS_QUEUE_BYTES \(--logs-queue-bytes\): .* from 1MiB to 16GiB/,
      );
  });

  it('reads the cluster timings, and refuses a renew interval over a third of the lease timeout', () => {
    const base = { TOCSIN_DATA_DIR: '/tmp/x' };
    assert.deepEqual(loadSettings({}, base).cluster, {
      leaseTimeoutMs: 10_000,
      nodeTimeoutMs: 10_000,
      renewIntervalMs: 2_000,
    });
    const short = loadSettings({ 'cluster-lease-timeout': '3s' }, { ...base, TOCSIN_CLUSTER_RENEW_INTERVAL: '500ms' });
    assert.equal(short.cluster.leaseTimeoutMs, 3_000);
    assert.equal(short.cluster.renewIntervalMs, 500);
    assert.throws(
      () => loadSettings({}, { ...base, TOCSIN_CLUSTER_RENEW_INTERVAL: '5s' }),
      /TOCSIN_CLUSTER_RENEW_INTERVAL \(--cluster-renew-interval\): must be at most a third of TOCSIN_CLUSTER_LEASE/,
    );
    assert.throws(
      () => loadSettings({}, { ...base, TOCSIN_CLUSTER_NODE_TIMEOUT: 'soon' }),
      /TOCSIN_CLUSTER_NODE_TIMEOUT \(--cluster-node-timeout\): 'soon' is not a duration from 1s to 10m/,
    );
  });

  it('documents every retention and cluster setting with its default in docs/settings.md', () => {
    const doc = readFileSync(new URL('../../../../docs/settings.md', import.meta.url), 'utf8');
    for (const spec of [...Object.values(retentionSpecs), ...Object.values(clusterSpecs)]) {
      // A row of the table, however the formatter pads its columns.
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.env}\``));
      const cells = row?.split('|').map((cell) => cell.trim());
      assert.deepEqual(cells?.slice(1, 4), [`\`${spec.env}\``, `\`--${spec.flag}\``, `\`${spec.default}\``], spec.env);
    }
  });

  it('finds the server for client commands', () => {
    assert.deepEqual(clientSettings({}, {}), { url: 'http://127.0.0.1:8080', token: undefined });
    assert.deepEqual(clientSettings({ url: 'http://h:1/' }, { TOCSIN_TOKEN: 't' }), { url: 'http://h:1', token: 't' });
  });
});

describe('log ingest settings', () => {
  it('defaults to 8 MiB bodies, no rate limit and no syslog listener', () => {
    const s = loadSettings({}, {}, '/tmp');
    assert.deepEqual(s.logIngest, logIngestDefaults);
  });

  it('reads sizes, the rate with its burst, the syslog ports and group, and names a bad one', () => {
    const s = loadSettings(
      {},
      {
        TOCSIN_LOGS_MAX_BODY_BYTES: '2MiB',
        TOCSIN_LOGS_RATE_LIMIT: '5000/20000',
        TOCSIN_SYSLOG_TCP_PORT: '5514',
        TOCSIN_SYSLOG_UDP_PORT: '5514',
        TOCSIN_SYSLOG_GROUP: 'hosts',
      },
      '/tmp',
    );
    assert.equal(s.logIngest?.maxBodyBytes, 2 * 1024 * 1024);
    assert.deepEqual(s.logIngest?.rateLimit, { perSecond: 5000, burst: 20000 });
    assert.deepEqual(
      [s.logIngest?.syslogTcpPort, s.logIngest?.syslogUdpPort, s.logIngest?.syslogGroup],
      [5514, 5514, 'hosts'],
    );
    assert.equal(loadSettings({}, { TOCSIN_LOGS_RATE_LIMIT: '100' }, '/tmp').logIngest?.rateLimit.burst, 1000);
    assert.throws(() => loadSettings({}, { TOCSIN_LOGS_RATE_LIMIT: 'fast' }, '/tmp'), /TOCSIN_LOGS_RATE_LIMIT/);
    assert.throws(() => loadSettings({}, { TOCSIN_SYSLOG_TCP_PORT: '70000' }, '/tmp'), /TOCSIN_SYSLOG_TCP_PORT/);
    assert.throws(() => loadSettings({}, { TOCSIN_LOGS_MAX_BODY_BYTES: '10' }, '/tmp'), /TOCSIN_LOGS_MAX_BODY_BYTES/);
  });
});
