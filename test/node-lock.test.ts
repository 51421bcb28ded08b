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
    it(`a second server on ${variant.name} refuses to start, and a SIGKILLed holder leaves no stale lock`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-lock-'));
      const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
      const env: Record<string, string> = { TOCSIN_DATA_DIR: dir, TOCSIN_LOG_LEVEL: 'warn' };
      if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
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
              /^tocsin: TOCSIN_DATABASE_URL \(--database-url\): another Tocsin node \('[^']+-\d+'/,
              'names the holding node',
            );
            assert.match(
              second.stderr,
              new RegExp(`schema ${schema!.schema}; sharing work between nodes is not there yet`),
            );
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

  it('on PostgreSQL, a node whose lock session ends stops with status 1, so that its supervisor restarts it', {
    skip: !variants.some((v) => v.name === 'postgres'),
  }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-lock-'));
    const schema = await createPostgresSchema();
    const nodeId = `lock-lost-${schema.schema}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const server = await startServer({
        TOCSIN_DATA_DIR: dir,
        TOCSIN_DATABASE_URL: postgresUrlWithSchema(schema.schema),
        TOCSIN_NODE_ID: nodeId,
      });
      const exited = new Promise<number | null>((resolve) => server.proc.once('exit', (code) => resolve(code)));
      const { rows } = await admin.query(
        'select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1',
        [`tocsin ${nodeId}`],
      );
      assert.deepEqual(rows, [{ done: true }], 'one lock session');
      assert.equal(await exited, 1);
      assert.match(server.output(), /lost the node lock/);
    } finally {
      await admin.end();
      await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
