/**
 * Run-command on a fleet of real agent processes (packages/agent, each with its own state directory), enrolled
 * with a real enrolment token against a real server process: a run by tag on 5 agents with 5 expected
 * succeeds; zero matches fails and says so; output over 24,000 characters is cut and flagged; MaxErrors stops
 * the rollout; an agent killed mid-run leaves its invocation TimedOut and the run Failed naming the missing
 * host; a revoked agent gets nothing, so a run expecting 5 fails with 1 missing; an agent started without
 * --allow-commands refuses. Agents and server all on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { api, childEnv, repoRoot, startServer, tsxArgs, type ServerProcess } from './support/server-process.js';

const TOKEN = 'fleet-run-admin-token-0123456789abcdef';
const agentMain = path.join(repoRoot, 'packages/agent/src/main.ts');

interface AgentProcess {
  name: string;
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

describe('run-command on real agents', () => {
  let server: ServerProcess;
  let dir: string;
  let enrol: string;
  const agents: AgentProcess[] = [];

  function startAgent(name: string, tags: string[], allow = true): AgentProcess {
    const args = ['--url', server.url, '--enroll', enrol, '--name', name, '--state-dir', path.join(dir, name)];
    for (const t of tags) args.push('--tag', t);
    if (allow) args.push('--allow-commands');
    const proc = spawn(process.execPath, [...tsxArgs, agentMain, ...args], {
      env: childEnv({}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let out = '';
    proc.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const a = { name, proc, output: () => out, exited };
    agents.push(a);
    return a;
  }

  const call = async (method: string, p: string, body?: unknown) => {
    const r = await api(server.url, TOKEN, method, p, body);
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const online = async () =>
    ((await call('GET', '/api/agents?state=online')).agents as { id: string; hostname: string }[]).map(
      (a) => a.hostname,
    );
  /** Starts a run and waits for its verdict. */
  const run = async (body: Record<string, unknown>, ms = 30_000) => {
    const started = await call('POST', '/api/commands', body);
    return waitFor(
      async () => {
        const r = await call('GET', `/api/commands/${started.id}`);
        return r.status === 'InProgress' ? undefined : r;
      },
      ms,
      `run ${started.id} to end`,
    );
  };
  const byHost = (r: { invocations: { hostname: string }[] }) =>
    Object.fromEntries(r.invocations.map((i) => [i.hostname, i])) as Record<string, any>;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-fleet-run-'));
    server = await startServer({ TOCSIN_DATA_DIR: path.join(dir, 'data'), TOCSIN_ADMIN_TOKEN: TOKEN });
    ({ token: enrol } = await call('POST', '/api/agents/enrollment-tokens', { name: 'fleet-run', uses: 6 }));
    for (let i = 1; i <= 5; i++) startAgent(`web-${i}`, ['role=web', 'env=prod']);
    startAgent('db-1', ['role=db'], false);
    await waitFor(async () => ((await online()).length === 6 ? true : undefined), 60_000, 'six agents online');
  });
  after(async () => {
    for (const a of agents) if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the 5 agents tagged role=web, 5 expected: Success, with each host output', async () => {
    const r = await run({
      command: 'echo "cleared on $(hostname)"; echo warn >&2',
      targets: { tags: { role: 'web' } },
    });
    assert.equal(r.status, 'Success', JSON.stringify(r));
    assert.equal(r.expected, 5);
    assert.equal(r.counts.Success, 5);
    for (const i of r.invocations) {
      assert.equal(i.status, 'Success');
      assert.equal(i.exitCode, 0);
      assert.match(i.stdout, /^cleared on /);
      assert.equal(i.stderr, 'warn\n');
    }
    assert.deepEqual(Object.keys(byHost(r)).sort(), ['web-1', 'web-2', 'web-3', 'web-4', 'web-5']);
  });

  it('fails a run that no agent matches, saying which tags', async () => {
    const r = await run({ command: 'true', targets: { tags: { role: 'cache' } } });
    assert.equal(r.status, 'Failed');
    assert.match(r.reason, /no agent matched role=cache/);
  });

  it('keeps 24,000 characters of stdout and 8,000 of stderr, flagged as truncated', async () => {
    const r = await run({
      command: "head -c 30000 /dev/zero | tr '\\0' a; head -c 9000 /dev/zero | tr '\\0' b >&2",
      targets: { agents: [(await call('GET', '/api/agents?tags=role=web')).agents[0].id] },
    });
    assert.equal(r.status, 'Success', JSON.stringify(r.reason));
    const [i] = r.invocations;
    assert.equal(i.stdout.length, 24_000);
    assert.equal(i.stderr.length, 8_000);
    assert.equal(i.stdoutTruncated, true);
    assert.equal(i.stderrTruncated, true);
  });

  it('stops the rollout once errors pass MaxErrors: the hosts not reached are Cancelled', async () => {
    const r = await run({ command: 'exit 3', targets: { tags: { role: 'web' } }, maxConcurrency: 1, maxErrors: 1 });
    assert.equal(r.status, 'Failed');
    assert.equal(r.counts.Failed, 2, JSON.stringify(r.counts));
    assert.equal(r.counts.Cancelled, 3, JSON.stringify(r.counts));
    assert.equal(r.stoppedByMaxErrors, true);
    for (const i of r.invocations.filter((x: any) => x.status === 'Failed')) assert.equal(i.exitCode, 3);
  });

  it('refuses on an agent started without --allow-commands', async () => {
    const r = await run({ command: 'true', targets: { tags: { role: 'db' } } });
    assert.equal(r.status, 'Failed');
    const [i] = r.invocations;
    assert.notEqual(i.status, 'Success');
    assert.match(`${i.reason}`, /allow-commands|not enabled|refused|does not run/i);
  });

  it('an agent killed mid-run: its invocation times out and the run fails naming the missing host', async () => {
    const started = await call('POST', '/api/commands', {
      command: 'sleep 2; echo done',
      targets: { tags: { role: 'web' } },
      executionTimeout: '4s',
    });
    const victim = agents.find((a) => a.name === 'web-5')!;
    await waitFor(
      async () => {
        const r = await call('GET', `/api/commands/${started.id}`);
        return byHost(r)['web-5']?.status === 'InProgress' ? true : undefined;
      },
      15_000,
      'web-5 to start the command',
    );
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const r = await waitFor(
      async () => {
        const x = await call('GET', `/api/commands/${started.id}`);
        return x.status === 'InProgress' ? undefined : x;
      },
      30_000,
      'the run to end',
    );
    assert.equal(r.status, 'Failed');
    assert.equal(r.counts.Success, 4, JSON.stringify(r.counts));
    assert.ok(['TimedOut', 'Undeliverable'].includes(byHost(r)['web-5'].status), byHost(r)['web-5'].status);
    assert.match(r.reason, /4 of 5/);
    assert.match(r.reason, /1 missing/);
  });

  it('gives nothing to a revoked agent: a run expecting 5 on role=web ends with 1 missing', async () => {
    const list = (await call('GET', '/api/agents?tags=role=web')).agents as { id: string; hostname: string }[];
    // web-5 was killed; web-4 is revoked: its process is told so and exits 78.
    const revoked = list.find((a) => a.hostname === 'web-4')!;
    await call('DELETE', `/api/agents/${revoked.id}`);
    const code = await agents.find((a) => a.name === 'web-4')!.exited;
    assert.equal(code, 78);
    const r = await run({ command: 'true', targets: { tags: { role: 'web' } }, expected: 5, deliveryTimeout: '3s' });
    assert.equal(r.status, 'Failed');
    assert.ok(!byHost(r)['web-4'], 'a revoked agent is not a target');
    assert.equal(r.counts.Success, 3, JSON.stringify(r.counts));
    assert.match(r.reason, /missing/);
  });
});
