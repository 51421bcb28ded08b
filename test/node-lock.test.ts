import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import {
  POSTGRES_URL,
  createPostgresSchema,
  postgresUrlWithSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { spawnCli, startServer } from './support/server-process.js';

const variants = await testDatabases();

describe('one server per database (node lock)', () => {
  for (const variant of variants) {
    const what = variant.name === 'sqlite' ? 'on sqlite' : 'with the same node id on postgres';
    it(`a second server ${what} refuses to start, and a SIGKILLed holder leaves no stale lock`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-lock-'));
      const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
      const env: Record<string, string> = { TOCSIN_DATA_DIR: dir, TOCSIN_LOG_LEVEL: 'warn' };
      if (schema) {
        env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
        env.TOCSIN_NODE_ID = `same-${schema.schema}`;
      }
      try {
        const first = await startServer(env);
        try {
          const second = await spawnCli(['start', '--port', '0'], env);
          assert.equal(second.code, 1, second.stderr);
          assert.equal(second.stderr.trim().split('\n').length, 1, `one line: ${second.stderr}`);
          assert.doesNotMatch(second.stdout, /running|tcn_/);
          if (variant.name === 'sqlite') {
            assert.match(second.stderr, /^tocsin: TOCSIN_DATA_DIR \(--data-dir\): /);
            assert.ok(second.stderr.includes(dir), `names the data dir: ${second.stderr}`);
            assert.ok(second.stderr.includes(`PID ${first.proc.pid}`), `names the holder's PID: ${second.stderr}`);
          } else {
            assert.match(
              second.stderr,
              new RegExp(
                `^tocsin: TOCSIN_DATABASE_URL \\(--database-url\\): a Tocsin node with the id '${env.TOCSIN_NODE_ID}'`,
              ),
              'names the node id',
            );
            assert.match(second.stderr, new RegExp(`schema ${schema!.schema}; give each node its own TOCSIN_NODE_ID`));
          }
          assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first server runs on');
        } finally {
          await first.kill();
        }
        // The holder died without a chance to clean up; a restart must succeed.
        const restarted = await startServer(env);
        try {
          assert.equal((await fetch(`${restarted.url}/readyz`)).status, 200);
        } finally {
          await restarted.stop();
        }
        assert.equal(restarted.proc.exitCode, 0, `${restarted.proc.signalCode} ${restarted.output()}`);
        // And after a clean stop, too.
        const again = await startServer(env);
        await again.stop();
        assert.equal(again.proc.exitCode, 0);
      } finally {
        await schema?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('two data dirs, or two schemas of one PostgreSQL database, run side by side', async () => {
    const dirs = [0, 1].map(() => mkdtempSync(path.join(os.tmpdir(), 'tocsin-lock-')));
    const schemas = variants.some((v) => v.name === 'postgres')
      ? await Promise.all([createPostgresSchema(), createPostgresSchema()])
      : [];
    try {
      const envs = dirs.map((d, i) => ({
        TOCSIN_DATA_DIR: d,
        ...(schemas[i] ? { TOCSIN_DATABASE_URL: postgresUrlWithSchema(schemas[i].schema) } : {}),
      }));
      const started = await Promise.allSettled(envs.map((e) => startServer(e)));
      const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        for (const r of started) if (r.status === 'rejected') throw r.reason;
        for (const s of servers) assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
      } finally {
        // One that started is stopped even when the other did not: the file must end.
        await Promise.all(servers.map((s) => s.stop()));
      }
    } finally {
      await Promise.all(schemas.map((s) => s.drop()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL, a node whose lock session ends takes the lock again and runs on', {
    skip: !variants.some((v) => v.name === 'postgres'),
  }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-lock-'));
    const schema = await createPostgresSchema();
    const nodeId = `lock-lost-${schema.schema}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const env = {
      TOCSIN_DATA_DIR: dir,
      TOCSIN_DATABASE_URL: postgresUrlWithSchema(schema.schema),
      TOCSIN_NODE_ID: nodeId,
    };
    try {
      const server = await startServer(env);
      try {
        const { rows } = await admin.query(
          'select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1',
          [`tocsin ${nodeId}`],
        );
        assert.deepEqual(rows, [{ done: true }], 'one lock session');
        const deadline = Date.now() + 10_000;
        let held = 0;
        while (Date.now() < deadline && held === 0) {
          await new Promise((r) => setTimeout(r, 200));
          const r = await admin.query(
            `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
              where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
            [`tocsin ${nodeId}`],
          );
          held = r.rows[0].n;
        }
        assert.equal(held, 1, 'the lock is held again');
        assert.equal(server.proc.exitCode, null, 'the node runs on');
        assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
        // And a second process with the same id is still refused.
        const second = await spawnCli(['start', '--port', '0'], env);
        assert.equal(second.code, 1, second.stderr);
        assert.match(second.stderr, /give each node its own TOCSIN_NODE_ID/);
      } finally {
        await server.stop();
      }
    } finally {
      await admin.end();
      await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
