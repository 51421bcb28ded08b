import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
import { api, runCli, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'replay-admin-token-0123456789';

describe('tocsin deliveries replay --all-dead', () => {
  let dir: string;
  let hooks: HttpReceiver;
  let server: ServerProcess;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-replay-'));
    hooks = await new HttpReceiver().start();
    server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('skips the dead letters of deleted subscriptions and says how many', async () => {
    let reject = true;
    hooks.respond = () => (reject ? { status: 400, body: 'no' } : { status: 200, body: 'ok' });
    const subscriptions = ['kept', 'gone'].map((name) => ({
      name,
      protocol: 'webhook',
      endpoint: `${hooks.url}/${name}`,
    }));
    assert.equal((await api(server.url, TOKEN, 'POST', '/api/topics', { name: 'ops', subscriptions })).status, 201);
    assert.equal(
      (await api(server.url, TOKEN, 'POST', '/api/topics/ops/publish', { kind: 'test', title: 'x' })).status,
      202,
    );
    const deadline = Date.now() + 15_000;
    while ((await api(server.url, TOKEN, 'GET', '/api/deliveries?status=dead')).json.deliveries.length < 2) {
      assert.ok(Date.now() < deadline, 'both deliveries are dead letters');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await api(server.url, TOKEN, 'DELETE', '/api/topics/ops/subscriptions/gone')).status, 204);
    reject = false;
    const r = await runCli(['deliveries', 'replay', '--all-dead'], { TOCSIN_URL: server.url, TOCSIN_TOKEN: TOKEN });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'replaying 1 dead delivery; skipped 1 dead delivery of deleted subscriptions (nowhere to send them)\n',
    );
  });
});
