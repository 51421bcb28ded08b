import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { HttpReceiver, waitFor } from '../packages/server/src/test-support/http-receiver.js';
import { api, runCli, startServer, type ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const TOKEN = 'heartbeats-e2e-admin-token-0123456789';

/** A ping as a cron line sends it. */
async function curl(url: string, data?: string): Promise<void> {
  const args = ['-fsS', '-m', '10', '--retry', '5', '-o', '/dev/null'];
  if (data !== undefined) args.push('--data-raw', data);
  await run('curl', [...args, url]);
}

describe('heartbeats end to end', () => {
  let server: ServerProcess;
  let hooks: HttpReceiver;
  let dir: string;
  let pingUrl: string;

  before(async () => {
    hooks = await new HttpReceiver().start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-hb-'));
    server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
    await api(server.url, TOKEN, 'POST', '/api/topics', {
      name: 'batch',
      subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }],
    });
    const created = await api(server.url, TOKEN, 'POST', '/api/heartbeats', {
      name: 'db-backup',
      period: '1d',
      grace: '1h',
      topics: ['batch'],
    });
    assert.equal(created.status, 201);
    pingUrl = created.json.pingUrl;
  });
  after(async () => {
    await server?.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pings = async () =>
    (await api(server.url, TOKEN, 'GET', '/api/heartbeats/db-backup/pings')).json.pings as {
      kind: string;
      exitStatus: number | null;
      body: string | null;
    }[];
  const kinds = () => hooks.requests.map((r) => r.json().event.kind);

  it('takes every kind of ping from curl, as cron lines send them', async () => {
    await curl(pingUrl);
    await curl(`${pingUrl}/start`);
    await curl(`${pingUrl}/0`);
    await curl(`${pingUrl}/log`, 'disk 71% full');
    await curl(`${pingUrl}/fail`, 'backup failed: no space');
    await waitFor(() => kinds().includes('heartbeat.down'), 'the down notification');
    await curl(`${pingUrl}/1`);
    await curl(pingUrl);
    await waitFor(() => kinds().includes('heartbeat.up'), 'the up notification');
    const { pingKey } = (await api(server.url, TOKEN, 'GET', '/api/heartbeats-ping-key')).json;
    await curl(`${server.url}/ping/${pingKey}/db-backup`);
    await curl(`${server.url}/ping/${pingKey}/cleanup?create=1`);
    const list = (await pings()).map((p) => `${p.kind}${p.exitStatus === null ? '' : `:${p.exitStatus}`}`);
    assert.deepEqual(list, ['success', 'success', 'fail:1', 'fail', 'log', 'success:0', 'start', 'success']);
    assert.equal((await pings()).find((p) => p.kind === 'log')!.body, 'disk 71% full');
    assert.deepEqual(kinds(), ['heartbeat.down', 'heartbeat.up']);
    assert.match(hooks.requests[0].json().event.text, /backup failed: no space/);
    const created = await api(server.url, TOKEN, 'GET', '/api/heartbeats/cleanup');
    assert.equal(created.status, 200);
    await assert.rejects(curl(`${pingUrl.replace(/[0-9a-f]{12}$/, '000000000000')}`), /404/);
  });

  it('tocsin run reports a command: start, its exit status and the tail of its output', async () => {
    const res = await runCli(['run', 'db-backup', '--', 'sh', '-c', 'echo dumping; echo out of space >&2; exit 3'], {
      TOCSIN_URL: server.url,
      TOCSIN_TOKEN: TOKEN,
    });
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stdout, /dumping/);
    const [finish, start] = await pings();
    assert.equal(start.kind, 'start');
    assert.equal(finish.kind, 'fail');
    assert.equal(finish.exitStatus, 3);
    assert.match(finish.body ?? '', /dumping\nout of space/);
    const runs = (await api(server.url, TOKEN, 'GET', '/api/heartbeats/db-backup/runs')).json.runs;
    assert.equal(runs[0].exitStatus, 3);
    assert.ok(runs[0].durationMs >= 0);
    const ok = await runCli(['run', pingUrl, '--', 'true'], {});
    assert.equal(ok.code, 0, ok.stderr);
    const list = await runCli(['heartbeats', 'list'], { TOCSIN_URL: server.url, TOCSIN_TOKEN: TOKEN });
    assert.match(list.stdout, /db-backup\s+UP/);
  });
});
