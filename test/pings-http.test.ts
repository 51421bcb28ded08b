import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  createPostgresSchema,
  postgresUrlWithSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { api, runCli, startServer, type ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const TOKEN = 'pings-http-admin-token-0123456789';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** One request with real curl, as a cron line sends it; the raw answer (headers as sent, body as read). */
async function curl(url: string, args: string[] = []): Promise<Answer> {
  const t0 = Date.now();
  const { stdout } = await run('curl', ['-sS', '-m', '10', '-i', ...args, url], { encoding: 'latin1' });
  const ms = Date.now() - t0;
  const split = stdout.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = stdout.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: stdout.slice(split + 4), ms };
}

/** `curl -fsS -m 10`, the Healthchecks cron line: resolves with the time it took, rejects on any failure. */
async function cronCurl(url: string): Promise<number> {
  const t0 = Date.now();
  await run('curl', ['-fsS', '-m', '10', '-o', '/dev/null', url]);
  return Date.now() - t0;
}

for (const variant of await testDatabases()) {
  describe(`ping answers from a listening server (${variant.name})`, () => {
    let server: ServerProcess;
    let dir: string;
    let drop: (() => Promise<void>) | undefined;
    let pingUrl: string;
    let base: string;

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-pings-http-'));
      const env: Record<string, string> = { TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN };
      if (variant.name === 'postgres') {
        const schema = await createPostgresSchema();
        drop = schema.drop;
        env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
      }
      server = await startServer(env);
      base = server.url;
      const created = await api(base, TOKEN, 'POST', '/api/heartbeats', {
        name: 'db-backup',
        period: '1d',
        grace: '1h',
      });
      assert.equal(created.status, 201);
      pingUrl = created.json.pingUrl;
    });
    after(async () => {
      await server?.stop();
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it(
      'gives every answer the Content-Length of its own ' + 'body, after bad pings and good ones in any order',
      async () => {
        const uuid = pingUrl.split('/').pop()!;
        const urls = [
          `${base}/ping`, // answered through the app's route before the fix: its Content-Length stuck to later answers
          pingUrl,
          `${base}/ping/${uuid}/256`,
          `${pingUrl}/start`,
          `${base}/ping/not-a-uuid`,
          `${pingUrl}?rid=12345`,
          `${pingUrl}/0`,
          `${base}/ping/${uuid.toUpperCase()}`,
          pingUrl,
        ];
        for (const url of urls) {
          const a = await curl(url);
          assert.equal(
            Number(a.headers['content-length']),
            Buffer.byteLength(a.body, 'latin1'),
            `${url}: ${JSON.stringify(a)}`,
          );
          assert.ok(a.ms < 5000, `${url} answered in ${a.ms} ms`);
        }
        for (const url of [pingUrl, `${pingUrl}/start`, `${pingUrl}/0`]) {
          await cronCurl(`${base}/ping`).catch(() => {}); // a bad one first, every time
          const ms = await cronCurl(url);
          assert.ok(ms < 5000, `curl -fsS -m 10 ${url} took ${ms} ms`);
        }
      },
    );

    it(
      'answers as Healthchecks does: 404 for shapes it has ' + 'no route for, 400 for a bad exit status or run id',
      async () => {
        const uuid = pingUrl.split('/').pop()!;
        for (const [url, status, body] of [
          [`${base}/ping`, 404, 'not found'],
          [`${base}/ping/`, 404, 'not found'],
          [`${base}/ping/${uuid}/abc`, 404, 'not found'],
          [`${base}/ping/${uuid.toUpperCase()}`, 404, 'not found'],
          [`${base}/ping/${uuid.slice(0, -1)}`, 404, 'not found'],
          [`${base}/ping/${uuid}/start/x`, 404, 'not found'],
          [`${base}/ping/${uuid}/256`, 400, 'invalid url format'],
          [`${pingUrl}?rid=12345`, 400, 'invalid uuid format'],
          [`${pingUrl}/`, 200, 'OK'],
        ] as const) {
          const a = await curl(url);
          assert.deepEqual([a.status, a.body], [status, body], url);
          assert.equal(
            a.headers['ping-body-limit'],
            status === 200 ? '100000' : undefined,
            `${url}: Ping-Body-Limit on accepted pings only`,
          );
          assert.equal(a.headers['access-control-allow-origin'], '*');
        }
      },
    );

    it('takes a ping by any method, keeping the body of any method', async () => {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        const a = await curl(`${pingUrl}/log`, [
          '-X',
          method,
          ...(method === 'GET' ? [] : ['--data-raw', `by ${method}`]),
        ]);
        assert.deepEqual([a.status, a.body, a.headers['ping-body-limit']], [200, 'OK', '100000'], method);
      }
      const head = await curl(`${pingUrl}/log`, ['-I']);
      assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '2']);
      const pings = (await api(base, TOKEN, 'GET', '/api/heartbeats/db-backup/pings?limit=7')).json.pings as {
        method: string;
        body: string | null;
      }[];
      assert.deepEqual(
        pings.map((p) => `${p.method}:${p.body}`),
        [
          'HEAD:null',
          'OPTIONS:by OPTIONS',
          'DELETE:by DELETE',
          'PATCH:by PATCH',
          'PUT:by PUT',
          'POST:by POST',
          'GET:null',
        ],
      );
    });

    it('tocsin run reports a job whose output holds NUL bytes: stored with U+FFFD and counted', async () => {
      const res = await runCli(['run', pingUrl, '--', 'printf', 'a\\000b'], {});
      assert.equal(res.code, 0, res.stderr);
      assert.doesNotMatch(res.stderr, /500|could not ping/);
      const [finish, start] = (await api(base, TOKEN, 'GET', '/api/heartbeats/db-backup/pings?limit=2')).json.pings;
      assert.equal(start.kind, 'start');
      assert.deepEqual(
        [finish.kind, finish.exitStatus, finish.body, finish.bodyNulsReplaced],
        ['success', 0, 'a\uFFFDb', true],
      );
      const view = (await api(base, TOKEN, 'GET', '/api/heartbeats/db-backup')).json;
      assert.equal(view.state, 'UP', 'the run finished, not STARTED forever');
    });
  });
}
