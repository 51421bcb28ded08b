/**
 * Run-command through the real pieces: the server's hub and command key (in this process, as the run-command
 * service uses them) and the agent as a real process with `--allow-commands`. Signed frames run and report
 * their output; what the allow-list refuses, a bad signature, a timeout and a cancel each end as they must.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentMessage } from '@tocsin/protocol';
import type { Tocsin } from '../packages/server/src/app.js';
import { startHttpServer, type HttpServer } from '../packages/server/src/http/http-server.js';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { call, createTestApp } from '../packages/server/src/test-support/test-app.js';
import { childEnv, repoRoot, tsxArgs } from './support/server-process.js';

type Result = Extract<AgentMessage, { type: 'command.result' }>;

describe('run-command between the server and a real agent', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  let server: HttpServer;
  let agent: ChildProcess;
  let agentId: string;
  let out = '';
  let dir: string;
  const started: string[] = [];
  const results = new Map<string, Result>();
  let n = 0;

  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
    server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: tocsin.http.fetch, upgrades: tocsin.upgrades });
    tocsin.fleet.hub.onCommandMessage((_id, m) => {
      if (m.type === 'command.started') started.push(m.invocationId);
      else results.set(m.invocationId, m);
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-commands-'));
    const token = (await call(tocsin, 'POST', '/api/agents/enrollment-tokens', {})).json.token;
    const args = ['--url', `http://127.0.0.1:${server.port}`, '--enroll', token, '--state-dir', dir, '--name', 'cmd-1'];
    args.push('--allow-commands', '--allow-prefix', 'echo ', '--allow-prefix', 'sleep ');
    agent = spawn(process.execPath, [...tsxArgs, path.join(repoRoot, 'packages/agent/src/main.ts'), ...args], {
      env: childEnv({}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c) => (out += c));
    agentId = await waitFor(
      async () => {
        const [a] = (await call(tocsin, 'GET', '/api/agents')).json.agents;
        return a && tocsin.fleet.hub.isConnectedHere(a.id) ? (a.id as string) : undefined;
      },
      30_000,
      'the agent connected',
    );
  });
  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    await dispose?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a signed command.run (or one signed for `signFor`) and answers its invocation id. */
  const send = (command: string, o: { timeoutMs?: number; signFor?: string } = {}) => {
    const fields = {
      agentId: o.signFor ?? agentId,
      invocationId: `inv-${++n}`,
      command,
      timeoutMs: o.timeoutMs ?? 10_000,
      notAfter: Date.now() + 60_000,
    };
    const signature = tocsin.fleet.enrollment.signCommand(fields);
    const { agentId: _, ...frame } = fields;
    assert.ok(tocsin.fleet.hub.send(agentId, { type: 'command.run', runId: 'run-1', ...frame, signature }));
    return fields.invocationId;
  };
  const result = (id: string, ms = 10_000) => waitFor(() => results.get(id), ms, `the result of ${id}:\n${out}`);

  it('runs a signed, allowed command and reports its output', async () => {
    const id = send('echo hello; echo oops >&2; exit 3');
    const r = await result(id);
    assert.deepEqual([r.status, r.exitCode, r.stdout, r.stderr], ['Failed', 3, 'hello\n', 'oops\n']);
    assert.ok(started.includes(id), 'command.started came first');
    const ok = await result(send('echo fine'));
    assert.deepEqual([ok.status, ok.exitCode, ok.stdout], ['Success', 0, 'fine\n']);
  });

  it('refuses what the allow-list does not allow, and a frame signed for another agent', async () => {
    const denied = await result(send('rm -rf /nothing'));
    assert.equal(denied.status, 'Undeliverable');
    assert.match(denied.reason ?? '', /not allowed/);
    const forged = await result(send('echo forged', { signFor: 'another-agent' }));
    assert.equal(forged.status, 'Failed');
    assert.match(forged.reason ?? '', /signature/);
    assert.equal(forged.stdout, '');
  });

  it('times a command out, and cancels one', async () => {
    const slow = await result(send('sleep 30', { timeoutMs: 1_000 }));
    assert.equal(slow.status, 'TimedOut');
    const id = send('sleep 31');
    await waitFor(() => started.includes(id) || undefined, 10_000, 'the sleep started');
    assert.ok(tocsin.fleet.hub.send(agentId, { type: 'command.cancel', invocationId: id }));
    assert.equal((await result(id)).status, 'Cancelled');
  });
});
