import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  createPostgresSchema,
  postgresUrlWithSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { childEnv, cliArgs, neutralCwd, repoRoot, runCli, spawnCli, startServer } from './support/server-process.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tocsin-start-'));
}

function startSync(
  env: Record<string, string>,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cliArgs, 'start', ...args], {
    cwd: neutralCwd(),
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const variants = await testDatabases();

describe('tocsin start', () => {
  for (const variant of variants) {
    it(`answers /healthz within 5 s on ${variant.name}, prints the admin token only on the first start`, async () => {
      const dir = tmp();
      const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
      const env: Record<string, string> = { TOCSIN_DATA_DIR: dir };
      if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
      try {
        const t0 = Date.now();
        const first = await startServer(env);
        const health = await fetch(`${first.url}/healthz`);
        assert.equal(health.status, 200);
        assert.ok(
          Date.now() - t0 < 5000 + 3000,
          `ready after ${Date.now() - t0} ms (includes loading TypeScript from source)`,
        );
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
        [
          { TOCSIN_DATABASE_URL: 'mysql://x' },
          /^tocsin: TOCSIN_DATABASE_URL \(--database-url\): expected postgres: or postgresql: URL/,
        ],
        [{ TOCSIN_SMTP_URL: 'not a url' }, /^tocsin: TOCSIN_SMTP_URL/],
        [
          { TOCSIN_ADMIN_TOKEN: 'short' },
          /^tocsin: TOCSIN_ADMIN_TOKEN \(--admin-token\): must be at least 16 characters/,
        ],
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
      writeFileSync(
        file,
        'topics:\n  - name: ops\n    subscriptions:\n      - protocol: webhook\n        endpoint: not-a-url\n',
      );
      const r = startSync({ TOCSIN_DATA_DIR: dir, TOCSIN_CONFIG: file });
      assert.equal(r.status, 1);
      assert.match(
        r.stderr,
        new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: topics\\.0\\.subscriptions\\.0\\.endpoint: `),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'a first start whose config fails to apply (the database ' + 'is made) makes no token; the next start shows it',
    async () => {
      const dir = tmp();
      try {
        const file = path.join(dir, 'tocsin.yaml');
        writeFileSync(
          file,
          'version: 1\nmonitors:\n  - name: api\n    type: http\n' +
            '    url: http://127.0.0.1:9/\n    interval: 30s\n    topics: [nowhere]\n',
        );
        const failed = await spawnCli(['start', '--port', '0'], { TOCSIN_DATA_DIR: dir, TOCSIN_CONFIG: file });
        assert.equal(failed.code, 1, failed.stderr);
        assert.match(failed.stderr, /nowhere/);
        assert.doesNotMatch(failed.stdout + failed.stderr, /tcn_/);
        const server = await startServer({ TOCSIN_DATA_DIR: dir });
        assert.match(server.output(), /^\s+tcn_[A-Za-z0-9]{40}$/m, 'the first start that listens prints the token');
        await server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  for (const variant of variants) {
    it(
      `on ${variant.name}, a first start that cannot listen makes no ` +
        `token; the next start shows it, and tokens --local mints one`,
      async () => {
        const dir = tmp();
        const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
        const env: Record<string, string> = { TOCSIN_DATA_DIR: dir };
        if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
        const busy = createServer();
        await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
        try {
          const port = String((busy.address() as AddressInfo).port);
          const failed = await spawnCli(['start'], { ...env, TOCSIN_PORT: port });
          assert.equal(failed.code, 1);
          assert.match(
            failed.stderr,
            new RegExp(`^tocsin: TOCSIN_PORT \\(--port\\): cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE\\n$`),
          );
          assert.doesNotMatch(failed.stdout + failed.stderr, /tcn_/);

          const server = await startServer(env);
          const token = /^\s+(tcn_[A-Za-z0-9]{40})$/m.exec(server.output())?.[1];
          assert.ok(token, `the first start that listens prints the admin token:\n${server.output()}`);
          try {
            // On the host, with the server's own settings and no token, while the server runs.
            const minted = await runCli(['tokens', 'create', 'rescue', '--scope', 'admin', '--local'], env);
            assert.equal(minted.code, 0, minted.stderr);
            const rescue = minted.stdout.trim();
            assert.match(rescue, /^tcn_[A-Za-z0-9]{40}$/, 'only the token on stdout');
            const res = await fetch(`${server.url}/api/tokens`, { headers: { authorization: `Bearer ${rescue}` } });
            assert.equal(res.status, 200, 'the running server takes the new admin token at once');
            const names = ((await res.json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name);
            assert.deepEqual(names, ['admin', 'rescue']);
            const listed = await runCli(['tokens', 'list', '--local'], env);
            assert.match(listed.stdout, /^rescue\s+admin\s/m);
            const revoked = await runCli(['tokens', 'revoke', 'rescue', '--local'], env);
            assert.equal(revoked.code, 0, revoked.stderr);
            assert.equal(
              (await fetch(`${server.url}/api/tokens`, { headers: { authorization: `Bearer ${rescue}` } })).status,
              401,
            );
          } finally {
            await server.stop();
          }
        } finally {
          busy.close();
          await schema?.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }

  it('tokens --local on a data dir with no database says which setting to give', async () => {
    const dir = tmp();
    try {
      const r = await runCli(['tokens', 'create', 'x', '--scope', 'admin', '--local'], { TOCSIN_DATA_DIR: dir });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^tocsin: no Tocsin database at .*tocsin\.db: give the TOCSIN_DATA_DIR \(--data-dir\) or TOCSIN_DATABASE_URL/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with one line naming the setting when the data dir cannot be written or PostgreSQL refuses', async () => {
    const dir = tmp();
    try {
      const file = path.join(dir, 'a-file');
      writeFileSync(file, '');
      const cases: [Record<string, string>, RegExp][] = [
        [
          { TOCSIN_DATA_DIR: path.join(file, 'data') },
          /^tocsin: TOCSIN_DATA_DIR \(--data-dir\): cannot create the directory .*a-file\/data: .*\(ENOTDIR\)$/,
        ],
        [
          { TOCSIN_DATA_DIR: file },
          /^tocsin: TOCSIN_DATA_DIR \(--data-dir\): cannot create the directory .*a-file: .*\(EEXIST\)$/,
        ],
        [
          { TOCSIN_DATA_DIR: dir, TOCSIN_DATABASE_URL: 'postgres://tocsin:s3cret-pw@127.0.0.1:1/tocsin' },
          new RegExp(
            /^tocsin: TOCSIN_DATABASE_URL \(--database-url\): /.source +
              /cannot connect to postgres:\/\/tocsin:\*\*\*@127\.0\.0\.1:1\/tocsin: .*ECONNREFUSED/.source,
          ),
        ],
      ];
      for (const [env, pattern] of cases) {
        const r = await spawnCli(['start', '--port', '0'], env);
        assert.equal(r.code, 1, JSON.stringify(env));
        assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack: ${r.stderr}`);
        assert.match(r.stderr.trim(), pattern);
        assert.doesNotMatch(r.stderr, /s3cret-pw/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with one line naming the data dir when it exists but cannot be written', (t) => {
    const dir = tmp();
    try {
      const ro = path.join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      chmodSync(dir, 0o755);
      // Root writes anywhere: run the server as nobody then.
      const asRoot = process.getuid?.() === 0;
      if (asRoot && !existsSync('/usr/sbin/runuser')) return t.skip('running as root without runuser');
      const args = [...cliArgs, 'start', '--port', '0', '--data-dir', ro];
      const [file, argv] = asRoot
        ? ['/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, ...args]]
        : [process.execPath, args];
      const r = spawnSync(file, argv, { cwd: '/', env: childEnv({ HOME: '/tmp' }), encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^tocsin: TOCSIN_DATA_DIR \(--data-dir\): cannot write to \S+read-only: .*writable directory/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the version', async () => {
    const r = await spawnCli(['--version'], {});
    assert.equal(r.code, 0);
    const { version } = (await import('../packages/server/package.json', { with: { type: 'json' } })).default as {
      version: string;
    };
    assert.equal(r.stdout, `tocsin ${version}\n`);
  });

  it("is not affected by a tocsin.yaml in the repository root (the user's own config)", async (t) => {
    const file = path.join(repoRoot, 'tocsin.yaml');
    try {
      writeFileSync(file, 'junk: [this is not a config\n', { flag: 'wx' });
    } catch {
      // The user's own file is there: the whole run is the test.
      t.diagnostic('a tocsin.yaml exists in the repository root already');
    }
    try {
      const dir = tmp();
      const server = await startServer({ TOCSIN_DATA_DIR: dir });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    } finally {
      if (readFileSync(file, 'utf8').startsWith('junk: [this is not a config')) rmSync(file, { force: true });
    }
  });
});
