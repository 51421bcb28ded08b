/**
 * The Healthchecks Management API driven as its users drive it, over a real
 * socket on 127.0.0.1: the curl commands of Healthchecks' API docs (as
 * written, so bodies go as curl's form content type), and a small fetch
 * client doing what migration scripts do.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { createTocsin, type Tocsin } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';

const run = promisify(execFile);

async function hasCurl(): Promise<boolean> {
  try {
    await run('curl', ['--version'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

describe('Healthchecks Management API with real clients', () => {
  let dir: string;
  let tocsin: Tocsin;
  let server: ServerType;
  let site: string;
  let key: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-hc-'));
    const settings = loadSettings(
      { 'data-dir': dir, port: '0', 'admin-token': 'hc-client-admin-token-0123456789' },
      {},
      dir,
    );
    tocsin = await createTocsin(settings, { logger: silentLogger });
    server = serve({ fetch: tocsin.http.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    key = (await tocsin.tokens.create('migration', 'admin')).token;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tocsin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the curl examples of Healthchecks’ API docs as written', async (t) => {
    if (!(await hasCurl())) return t.skip('curl is not installed');
    const curl = async (...args: string[]) => {
      const { stdout } = await run('curl', ['-sS', '-m', '10', '-w', '\n%{http_code}', ...args], { timeout: 15_000 });
      const at = stdout.lastIndexOf('\n');
      return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
    };
    const created = await curl(
      `${site}/api/v3/checks/`,
      '--header',
      `X-Api-Key: ${key}`,
      '--data',
      '{"name": "Backups", "tags": "prod www", "timeout": 3600, "grace": 60}',
    );
    assert.equal(created.status, 201, created.body);
    const check = JSON.parse(created.body);
    assert.equal(check.name, 'Backups');
    assert.equal(check.tags, 'prod www');
    const inBody = await curl(
      `${site}/api/v3/checks/`,
      '--data',
      `{"api_key": "${key}", "name": "Backups 2", "tags": "prod www", "timeout": 3600, "grace": 60}`,
    );
    assert.equal(inBody.status, 201, inBody.body);
    const list = await curl('--header', `X-Api-Key: ${key}`, `${site}/api/v3/checks/`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      JSON.parse(list.body)
        .checks.map((c: { name: string }) => c.name)
        .sort(),
      ['Backups', 'Backups 2'],
    );
    const single = await curl('--header', `X-Api-Key: ${key}`, `${site}/api/v3/checks/${check.uuid}`);
    assert.equal(JSON.parse(single.body).uuid, check.uuid);
    const pinged = await curl('-fsS', '--retry', '3', site + new URL(check.ping_url).pathname);
    assert.equal(pinged.status, 200);
    const paused = await curl(
      `${site}/api/v3/checks/${check.uuid}/pause`,
      '--request',
      'POST',
      '--header',
      `X-Api-Key: ${key}`,
      '--data',
      '',
    );
    assert.equal(JSON.parse(paused.body).status, 'paused');
    const resumed = await curl(
      `${site}/api/v3/checks/${check.uuid}/resume`,
      '--request',
      'POST',
      '--header',
      `X-Api-Key: ${key}`,
      '--data',
      '',
    );
    assert.equal(resumed.status, 200);
    const pings = await curl(`${site}/api/v3/checks/${check.uuid}/pings/`, '--header', `X-Api-Key: ${key}`);
    assert.equal(JSON.parse(pings.body).pings.length, 1);
    const flips = await curl(`${site}/api/v3/checks/${check.uuid}/flips/`, '--header', `X-Api-Key: ${key}`);
    assert.equal(flips.status, 200);
    const channels = await curl('--header', `X-Api-Key: ${key}`, `${site}/api/v3/channels/`);
    assert.deepEqual(JSON.parse(channels.body), { channels: [] });
    const deleted = await curl(
      `${site}/api/v3/checks/${check.uuid}`,
      '--request',
      'DELETE',
      '--header',
      `X-Api-Key: ${key}`,
    );
    assert.equal(deleted.status, 200);
    assert.equal(JSON.parse(deleted.body).uuid, check.uuid);
    const wrong = await curl('--header', 'X-Api-Key: not-a-key', `${site}/api/v3/checks/`);
    assert.equal(wrong.status, 401);
    assert.deepEqual(JSON.parse(wrong.body), { error: 'wrong api key' });
  });

  it('serves a migration script: sync checks idempotently with unique, then read them back', async () => {
    const hc = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${site}/api/v3${p}`, {
        method,
        headers: { 'X-Api-Key': key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const wanted = [
      {
        name: 'db dump',
        slug: 'db-dump',
        schedule: '15 5 * * *',
        tz: 'Europe/Riga',
        grace: 1200,
        tags: 'production db',
      },
      {
        name: 'rsync',
        slug: 'rsync',
        timeout: 3600,
        grace: 600,
        tags: 'backup fs',
        desc: 'Runs incremental backup every hour',
      },
    ];
    const first = await Promise.all(wanted.map((w) => hc('POST', '/checks/', { ...w, unique: ['slug'] })));
    assert.deepEqual(
      first.map((r) => r.status),
      [201, 201],
    );
    const second = await Promise.all(wanted.map((w) => hc('POST', '/checks/', { ...w, grace: 900, unique: ['slug'] })));
    assert.deepEqual(
      second.map((r) => r.status),
      [200, 200],
      'a second run updates, it does not duplicate',
    );
    assert.deepEqual(
      second.map((r) => r.json.uuid),
      first.map((r) => r.json.uuid),
    );
    const { json } = await hc('GET', '/checks/?tag=production');
    assert.equal(json.checks.length, 1);
    const c = json.checks[0];
    assert.equal(c.schedule, '15 5 * * *');
    assert.equal(c.tz, 'Europe/Riga');
    assert.equal(c.grace, 900);
    assert.equal(c.status, 'new');
    assert.equal(tocsin.heartbeats.get('db-dump').spec.cron, '15 5 * * *', 'the check is a Tocsin heartbeat');
    assert.equal((await hc('POST', `/checks/${c.uuid}`, { timeout: 10 })).status, 400);
  });
});
