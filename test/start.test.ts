import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createPostgresSchema, postgresUrlWithSchema, testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { repoRoot, startServer } from './support/server-process.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tocsin-start-'));
}

function startSync(env: Record<string, string>, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-C', 'source', '--import', 'tsx', 'packages/server/src/cli/main.ts', 'start', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const variants = await testDatabases();

describe('tocsin start', () => {
  for (const variant of variants) {
    it(`answers /healthz within 5 s on ${variant.name}, and prints the admin token only on the first start`, async () => {
      const dir = tmp();
      const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
      const env: Record<string, string> = { TOCSIN_DATA_DIR: dir };
      if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
      try {
        const t0 = Date.now();
        const first = await startServer(env);
        const health = await fetch(`${first.url}/healthz`);
        assert.equal(health.status, 200);
        assert.ok(Date.now() - t0 < 5000 + 3000, `ready after ${Date.now() - t0} ms (includes loading TypeScript from source)`);
        const token = /^\s+(tcn_[A-Za-z0-9]{40})$/m.exec(first.output())?.[1];
        assert.ok(token, 'the first start prints an admin token');
        const topics = await fetch(`${first.url}/api/topics`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(topics.status, 200);
        assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
        await first.stop();
        assert.equal(first.proc.exitCode, 0, 'SIGTERM shuts down cleanly');

        const second = await startServer(env);
        assert.doesNotMatch(second.output(), /tcn_/, 'the token is not printed again');
        const again = await fetch(`${second.url}/api/topics`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(again.status, 200, 'the token survives a restart');
        await second.stop();
      } finally {
        await schema?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('stops with one line naming the variable when a setting is invalid', () => {
    const dir = tmp();
    try {
      for (const [env, pattern] of [
        [{ TOCSIN_PORT: 'http' }, /^tocsin: TOCSIN_PORT \(--port\): 'http' is not a port number/],
        [{ TOCSIN_DATABASE_URL: 'mysql://x' }, /^tocsin: TOCSIN_DATABASE_URL \(--database-url\): expected postgres: or postgresql: URL/],
        [{ TOCSIN_SMTP_URL: 'not a url' }, /^tocsin: TOCSIN_SMTP_URL/],
        [{ TOCSIN_ADMIN_TOKEN: 'short' }, /^tocsin: TOCSIN_ADMIN_TOKEN \(--admin-token\): must be at least 16 characters/],
        [{ TOCSIN_CONFIG: path.join(dir, 'missing.yaml') }, /^tocsin: TOCSIN_CONFIG/],
      ] as const) {
        const r = startSync({ TOCSIN_DATA_DIR: dir, ...env });
        assert.equal(r.status, 1, JSON.stringify(env));
        assert.match(r.stderr, pattern);
        assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on an invalid config file, naming file and line', () => {
    const dir = tmp();
    try {
      const file = path.join(dir, 'tocsin.yaml');
      writeFileSync(file, 'topics:\n  - name: ops\n    subscriptions:\n      - protocol: webhook\n        endpoint: not-a-url\n');
      const r = startSync({ TOCSIN_DATA_DIR: dir, TOCSIN_CONFIG: file });
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: topics\\.0\\.subscriptions\\.0\\.endpoint: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
