/**
 * The agent as a real process against a real server: it enrols (credential 0600), connects, sends host
 * metrics, ships a log file's lines once across its own restart (without enrolling again), and exits 78 when
 * its credential is revoked.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { api, childEnv, repoRoot, startServer, tsxArgs, type ServerProcess } from './support/server-process.js';

const TOKEN = 'agent-e2e-admin-token-0123456789abcdef';
const agentMain = path.join(repoRoot, 'packages/agent/src/main.ts');

interface AgentProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startAgent(args: string[]): AgentProcess {
  const proc = spawn(process.execPath, [...tsxArgs, agentMain, ...args], {
    env: childEnv({}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function stopAgent(a: AgentProcess | undefined): Promise<void> {
  if (!a) return;
  if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGTERM');
  await a.exited;
}

describe('the agent end to end', () => {
  let server: ServerProcess;
  let dir: string;
  let agent: AgentProcess | undefined;
  let logFile: string;
  let stateDir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-e2e-'));
    stateDir = path.join(dir, 'state');
    logFile = path.join(dir, 'app.log');
    server = await startServer({ TOCSIN_DATA_DIR: path.join(dir, 'data'), TOCSIN_ADMIN_TOKEN: TOKEN });
  });
  after(async () => {
    await stopAgent(agent);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const agents = async () => (await api(server.url, TOKEN, 'GET', '/api/agents')).json.agents as any[];
  const messages = async (group = 'agent-e2e') => {
    const q = `/api/logs/query?group=${group}&start=0&end=${Date.now() + 60_000}&limit=100`;
    const res = await api(server.url, TOKEN, 'GET', q);
    return res.status === 200 ? (res.json.events as { message: string }[]).map((e) => e.message).sort() : [];
  };
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(2, '0')}`);

  it('enrols, connects, sends metrics and ships log lines once across a restart; revoked, it exits 78', async () => {
    const made = await api(server.url, TOKEN, 'POST', '/api/agents/enrollment-tokens', { tags: { env: 'test' } });
    assert.equal(made.status, 201);
    writeFileSync(logFile, `${lines(3).join('\n')}\n`);
    const args = ['--url', server.url, '--state-dir', stateDir, '--metrics-every', '5s', '--name', 'e2e-host'];
    args.push('--tag', 'role=web', '--log-file', `agent-e2e=${logFile}`);
    args.push('--log-file', `agent-e2e=${path.join(dir, 'missing.log')}`);
    agent = startAgent([...args, '--enroll', made.json.token]);

    const online = await waitFor(
      async () => (await agents()).find((a) => a.hostname === 'e2e-host' && a.state === 'online' && a.metrics),
      30_000,
      `the agent online with metrics:\n${agent.output()}`,
    );
    assert.deepEqual(online.tags, { env: 'test', role: 'web' });
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'packages/agent/package.json'), 'utf8'));
    assert.equal(online.version, pkg.version, "the agent reports its package's version");
    assert.ok(online.metrics.datapoints > 5, 'host datapoints arrived');
    assert.equal(statSync(path.join(stateDir, 'credential.json')).mode & 0o777, 0o600);
    const checks = await waitFor(
      async () => {
        const view = (await api(server.url, TOKEN, 'GET', `/api/agents/${online.id}`)).json;
        return view.selfChecks.length === 3 ? (view.selfChecks as { name: string; ok: boolean }[]) : undefined;
      },
      10_000,
      'the self-checks',
    );
    assert.deepEqual(checks.map((c) => [c.name.replace(/:.*(app|missing)\.log$/, ':$1'), c.ok]).sort(), [
      ['log_readable:app', true],
      ['log_readable:missing', false],
      ['state_dir_writable', true],
    ]);
    await waitFor(async () => ((await messages()).length === 3 ? true : undefined), 20_000, 'the first 3 lines');

    await stopAgent(agent);
    appendFileSync(logFile, `${lines(6).slice(3).join('\n')}\n`);
    // Enrolled already: the used-up token is not sent again, and the agent is the same one.
    agent = startAgent(args);
    await waitFor(async () => ((await messages()).length >= 6 ? true : undefined), 30_000, 'the next 3 lines');
    assert.deepEqual(await messages(), lines(6), 'every line once');
    assert.deepEqual(
      (await agents()).map((a) => a.id),
      [online.id],
    );

    assert.equal((await api(server.url, TOKEN, 'DELETE', `/api/agents/${online.id}`)).status, 204);
    assert.equal(await agent.exited, 78, agent.output());
    assert.match(agent.output(), /revoked/);
  });

  it('ships a file once across a rename rotation and a copytruncate', async () => {
    const made = await api(server.url, TOKEN, 'POST', '/api/agents/enrollment-tokens', {});
    const file = path.join(dir, 'rot.log');
    writeFileSync(file, 'a0\na1\na2\n');
    const args = ['--url', server.url, '--state-dir', path.join(dir, 'state-rot'), '--name', 'e2e-rot'];
    agent = startAgent([...args, '--log-file', `agent-rot=${file}`, '--enroll', made.json.token]);
    const have = (n: number, what: string) =>
      waitFor(async () => ((await messages('agent-rot')).length >= n ? true : undefined), 30_000, what);
    await have(3, `the first lines:\n${agent.output()}`);
    // logrotate's rename: a line the agent has not read yet (its next poll reads it by the old file's fd),
    // then a new file at the path.
    appendFileSync(file, 'a3\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b0\nb1\n');
    await have(6, `the lines around the rename:\n${agent.output()}`);
    // copytruncate: the same file, cut to nothing and written again.
    truncateSync(file, 0);
    appendFileSync(file, 'c0\n');
    await have(7, `the line after the copytruncate:\n${agent.output()}`);
    assert.deepEqual(await messages('agent-rot'), ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'c0'], 'every line once');
  });
});
