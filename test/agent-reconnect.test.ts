/**
 * A server restart under a running agent: the agent connects again by itself (backoff), the server's welcome
 * gives back the position it stored, and the lines written while the server was down arrive once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import {
  api,
  childEnv,
  freePort,
  repoRoot,
  startServer,
  tsxArgs,
  type ServerProcess,
} from './support/server-process.js';

const TOKEN = 'agent-reconnect-admin-token-0123456789';

describe('the agent across a server restart', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-reconnect-'));
  let server: ServerProcess | undefined;
  let agent: ChildProcess | undefined;
  let out = '';

  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects again by itself and ships the lines written while the server was down, once', async () => {
    const port = String(await freePort());
    const env = { TOCSIN_DATA_DIR: path.join(dir, 'data'), TOCSIN_ADMIN_TOKEN: TOKEN, TOCSIN_PORT: port };
    server = await startServer(env);
    const url = server.url;
    const token = (await api(url, TOKEN, 'POST', '/api/agents/enrollment-tokens', {})).json.token;
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'l0\nl1\n');
    const args = ['--url', url, '--enroll', token, '--state-dir', path.join(dir, 'state'), '--name', 'r-1'];
    args.push('--log-file', `agent-reconnect=${file}`);
    agent = spawn(process.execPath, [...tsxArgs, path.join(repoRoot, 'packages/agent/src/main.ts'), ...args], {
      env: childEnv({}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c) => (out += c));
    const messages = async () => {
      const q = `/api/logs/query?group=agent-reconnect&start=0&end=${Date.now() + 60_000}&limit=100`;
      const res = await api(url, TOKEN, 'GET', q).catch(() => undefined);
      return res?.status === 200 ? (res.json.events as { message: string }[]).map((e) => e.message).sort() : [];
    };
    const have = (n: number, what: string) =>
      waitFor(async () => ((await messages()).length >= n ? true : undefined), 30_000, `${what}:\n${out}`);
    await have(2, 'the first lines');

    await server.stop();
    appendFileSync(file, 'l2\nl3\n');
    server = await startServer(env);
    assert.equal(server.url, url, 'the same address');
    await have(4, 'the lines written while the server was down');
    const [a] = (await api(url, TOKEN, 'GET', '/api/agents')).json.agents;
    await waitFor(
      async () => ((await api(url, TOKEN, 'GET', `/api/agents/${a.id}`)).json.state === 'online' ? true : undefined),
      10_000,
      'the agent online again',
    );
    assert.deepEqual(await messages(), ['l0', 'l1', 'l2', 'l3'], 'every line once');
    assert.match(out, /reconnecting/);
    assert.equal(agent.exitCode, null, 'the agent kept running');
  });
});
