import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createTocsin } from '../packages/server/src/app.js';
import { loadSettings } from '../packages/server/src/config/settings.js';
import { silentLogger } from '../packages/server/src/core/logger.js';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
import {
  POSTGRES_URL,
  createPostgresSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { api, runCli, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'backup-admin-token-0123456789';
const HOOK_SECRET = 'restored-hmac-secret-0123';

/** The signature a webhook request carries is made with `secret`. */
function signedWith(req: { headers: Record<string, unknown>; body: string }, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(req.headers['x-tocsin-signature'] ?? ''));
  return !!m && createHmac('sha256', secret).update(`${m[1]}.${req.body}`).digest('hex') === m[2];
}

/** Waits until `check` holds, for at most `ms`. */
async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('backup and restore (SQLite, as docs/backup.md says)', () => {
  let dir: string;
  let hooks: HttpReceiver;
  let source: ServerProcess;
  const dataDir = (name: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-backup-'));
    hooks = await new HttpReceiver().start();
    source = await startServer({ TOCSIN_DATA_DIR: dataDir('source'), TOCSIN_ADMIN_TOKEN: TOKEN });
    const file = path.join(dir, 'tocsin.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'topics:',
        '  - name: ops',
        '    subscriptions:',
        '      - protocol: webhook',
        '        name: hook',
        `        endpoint: ${hooks.url}/hook`,
        '        secret: ${HOOK_SECRET}',
        '      - protocol: pagerduty',
        '        routingKey: R0123456789ABCDEF0123456789ABCDE',
        `        endpoint: ${hooks.url}/pagerduty`,
        'heartbeats:',
        '  - name: backup',
        '    period: 1d',
        '    grace: 1h',
        '    topics: [ops]',
        '',
      ].join('\n'),
    );
    const applied = await runCli(['apply', '-f', file], { TOCSIN_URL: source.url, TOCSIN_TOKEN: TOKEN, HOOK_SECRET });
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await source?.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliversWithTheSecret(server: ServerProcess, title: string): Promise<void> {
    const published = await api(server.url, TOKEN, 'POST', '/api/topics/ops/publish', { kind: 'test', title });
    assert.equal(published.status, 202, JSON.stringify(published.json));
    await until(() => hooks.requests.some((r) => r.json().event?.title === title));
    const req = hooks.requests.find((r) => r.json().event?.title === title)!;
    assert.ok(signedWith(req, HOOK_SECRET), 'signed with the real secret, not <redacted>');
  }

  it(
    'export --include-secrets says so, writes a file only ' + 'its owner reads, and restores into an empty server',
    async () => {
      const backup = path.join(dir, 'backup.yaml');
      const exported = await runCli(['export', '--include-secrets', '-o', backup], {
        TOCSIN_URL: source.url,
        TOCSIN_TOKEN: TOKEN,
      });
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, /^tocsin export: the output holds secrets in clear text \(admin only\)/);
      assert.equal(statSync(backup).mode & 0o777, 0o600);
      assert.ok(readFileSync(backup, 'utf8').includes(HOOK_SECRET));

      const fresh = await startServer({ TOCSIN_DATA_DIR: dataDir('fresh'), TOCSIN_ADMIN_TOKEN: TOKEN });
      try {
        const restored = await runCli(['apply', '-f', backup], { TOCSIN_URL: fresh.url, TOCSIN_TOKEN: TOKEN });
        assert.equal(restored.code, 0, restored.stderr);
        assert.match(restored.stdout, /\+ topic ops/);
        await deliversWithTheSecret(fresh, 'after export --include-secrets');
      } finally {
        await fresh.stop();
      }
    },
  );

  it('a plain export does not restore secrets: apply names the line instead of sending <redacted>', async () => {
    const plain = path.join(dir, 'plain.yaml');
    assert.equal((await runCli(['export', '-o', plain], { TOCSIN_URL: source.url, TOCSIN_TOKEN: TOKEN })).code, 0);
    // The webhook's secret is exported as the ${HOOK_SECRET} it came from; the routing key was given as is.
    const line =
      readFileSync(plain, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('routingKey: <redacted>')) + 1;
    assert.ok(line > 0);
    const fresh = await startServer({ TOCSIN_DATA_DIR: dataDir('plain'), TOCSIN_ADMIN_TOKEN: TOKEN });
    try {
      const r = await runCli(['apply', '-f', plain], { TOCSIN_URL: fresh.url, TOCSIN_TOKEN: TOKEN, HOOK_SECRET });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `^${plain.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}: ` +
            'topics\\.0\\.subscriptions\\.1\\.routingKey: is <redacted>',
        ),
      );
    } finally {
      await fresh.stop();
    }
  });

  it('a copy of the SQLite file taken while the server runs (VACUUM INTO) restores into a working server', async () => {
    // Writes go on while the copy is taken.
    const writes = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(source.url, TOKEN, 'POST', '/api/topics/ops/publish', { kind: 'test', title: `during ${i}` }),
      ),
    );
    const live = new BetterSqlite3(path.join(dir, 'source', 'tocsin.db'), { readonly: true });
    const restoredDir = dataDir('restored');
    try {
      live.exec(`VACUUM INTO '${path.join(restoredDir, 'tocsin.db').replace(/'/g, "''")}'`);
    } finally {
      live.close();
    }
    await writes;
    const restored = await startServer({ TOCSIN_DATA_DIR: restoredDir, TOCSIN_ADMIN_TOKEN: TOKEN });
    try {
      const { json } = await api(restored.url, TOKEN, 'GET', '/api/heartbeats/backup');
      assert.equal(json.name, 'backup');
      const src = await api(source.url, TOKEN, 'GET', '/api/heartbeats/backup');
      assert.equal(
        json.pingUrl.split('/ping/')[1],
        src.json.pingUrl.split('/ping/')[1],
        'ping URLs survive the restore',
      );
      await deliversWithTheSecret(restored, 'after the file restore');
    } finally {
      await restored.stop();
    }
  });
});

const hasPostgres = (await testDatabases()).some((v) => v.name === 'postgres');

describe('backup and restore (PostgreSQL: pg_dump, then pg_restore into an empty database)', {
  skip: !hasPostgres && 'PostgreSQL is not reachable',
}, () => {
  it('serves the same resources and secrets from the restored database', async () => {
    const hooks = await new HttpReceiver().start();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-pgdump-'));
    const { schema, drop } = await createPostgresSchema();
    const restoredDb = `restore_${schema}`;
    const restoredUrl = Object.assign(new URL(POSTGRES_URL), { pathname: `/${restoredDb}` }).toString();
    const open = (url: string) =>
      createTocsin(loadSettings({ 'data-dir': dir, 'admin-token': TOKEN, 'database-url': url }, {}, dir), {
        logger: silentLogger,
        schema,
      });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const source = await open(POSTGRES_URL);
      let pingUrl: string;
      try {
        const subscriptions = [
          { protocol: 'webhook', name: 'hook', endpoint: `${hooks.url}/hook`, secret: HOOK_SECRET },
        ];
        await source.config.apply({
          config: {
            topics: [{ name: 'ops', subscriptions }],
            heartbeats: [{ name: 'backup', period: '1d', grace: '1h', topics: ['ops'] }],
          },
        });
        pingUrl = source.heartbeats.view(source.heartbeats.get('backup')).pingUrl;
        const dump = path.join(dir, 'tocsin.dump');
        execFileSync(
          'pg_dump',
          ['--format=custom', '--no-owner', `--schema=${schema}`, `--file=${dump}`, POSTGRES_URL],
          { timeout: 60_000 },
        );
        await admin.query(`create database ${restoredDb}`);
        execFileSync('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump], { timeout: 60_000 });
      } finally {
        await source.close();
      }
      const restored = await open(restoredUrl);
      try {
        assert.equal(
          restored.heartbeats.view(restored.heartbeats.get('backup')).pingUrl,
          pingUrl,
          'ping URLs survive the restore',
        );
        await restored.publisher.publish('ops', { kind: 'test', title: 'after pg_restore' });
        await restored.outbox.runOnce();
        const req = hooks.requests.find((r) => r.json().event?.title === 'after pg_restore');
        assert.ok(req && signedWith(req, HOOK_SECRET), 'delivered, signed with the restored secret');
      } finally {
        await restored.close();
      }
    } finally {
      await admin.query(`drop database if exists ${restoredDb} with (force)`);
      await admin.end();
      await drop();
      await hooks.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
