import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TocsinError } from '../core/errors.js';
import { clientSettings, loadSettings } from './settings.js';

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
    const env = { TOCSIN_PORT: '9000', TOCSIN_HOST: '0.0.0.0', TOCSIN_DATABASE_URL: 'postgres://u@db:5432/tocsin', TOCSIN_PUBLIC_URL: 'https://alerts.example.com/' };
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
      assert.throws(() => loadSettings({}, env, '/x'), (err: unknown) => err instanceof TocsinError && pattern.test(err.message), JSON.stringify(env));
    }
  });

  it('finds the server for client commands', () => {
    assert.deepEqual(clientSettings({}, {}), { url: 'http://127.0.0.1:8080', token: undefined });
    assert.deepEqual(clientSettings({ url: 'http://h:1/' }, { TOCSIN_TOKEN: 't' }), { url: 'http://h:1', token: 't' });
  });
});
