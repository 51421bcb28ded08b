/**
 * Seed 001 end to end, from examples/seed-001-cache-clear.yaml: the cache is cleared on every web server of the
 * auto-scaling group `hogehoge` (5 real agent processes tagged aws:autoscaling:groupName=hogehoge) with
 * `tocsin command run --group web --topic runcommand`, and Slack (a real HTTP receiver) is told the key, the
 * values, the counts and the verdict. With one server down, the same run fails and Slack hears how many are
 * missing, where SSM would have said Success; with no agent matching, it fails too.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestReceiver } from '../packages/server/src/test-support/scripted-receiver.js';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { api, childEnv, repoRoot, runCli, startServer, tsxArgs, type ServerProcess } from './support/server-process.js';

const TOKEN = 'seed-001-admin-token-0123456789abcdef';
const agentMain = path.join(repoRoot, 'packages/agent/src/main.ts');
const example = path.join(repoRoot, 'examples/seed-001-cache-clear.yaml');

describe("seed 001's cache clear on every web server, from examples/seed-001-cache-clear.yaml", () => {
  let server: ServerProcess;
  let slack: TestReceiver;
  let dir: string;
  const agents: { proc: ChildProcess; exited: Promise<unknown> }[] = [];
  const env = () => ({ TOCSIN_URL: server.url, TOCSIN_TOKEN: TOKEN, SLACK_URL: `${slack.url}/slack` });
  const slackTexts = () => slack.requests.map((r) => (JSON.parse(r.body) as { text?: string }).text ?? r.body);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-seed-001-'));
    slack = await TestReceiver.start();
    server = await startServer({ TOCSIN_DATA_DIR: path.join(dir, 'data'), TOCSIN_ADMIN_TOKEN: TOKEN });
    const applied = await runCli(['apply', '-f', example], env());
    assert.equal(applied.code, 0, applied.stderr);
    const { json } = await api(server.url, TOKEN, 'POST', '/api/agents/enrollment-tokens', { uses: 5 });
    for (let i = 1; i <= 5; i++) {
      const proc = spawn(
        process.execPath,
        [
          ...tsxArgs,
          agentMain,
          ...['--url', server.url, '--enroll', json.token, '--name', `web-${i}`],
          ...['--state-dir', path.join(dir, `web-${i}`), '--tag', 'aws:autoscaling:groupName=hogehoge'],
          '--allow-commands',
        ],
        { env: childEnv({}), stdio: 'ignore' },
      );
      agents.push({ proc, exited: new Promise((r) => proc.once('exit', r)) });
    }
    await waitFor(
      async () => {
        const r = await api(server.url, TOKEN, 'GET', '/api/agents?state=online');
        return r.json.agents.length === 5 ? true : undefined;
      },
      60_000,
      'five agents online',
    );
  });
  after(async () => {
    for (const a of agents) if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
    await server?.stop();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clear = () =>
    runCli(
      ['command', 'run', '--group', 'web', '--topic', 'runcommand', '--timeout', '5s', '--', 'echo', 'apcu cleared'],
      env(),
    );

  it('clears on the 5 of 5 expected, and Slack hears the key, values, counts and Success', async () => {
    const r = await clear();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Success/);
    const text = await waitFor(() => slackTexts().find((t) => /succeeded|Success/.test(t)), 20_000, 'Slack');
    assert.match(text, /aws:autoscaling:groupName/);
    assert.match(text, /hogehoge/);
    assert.match(text, /5/);
  });

  it('with one server down, fails and Slack hears 1 missing (SSM would say Success)', async () => {
    slack.requests.length = 0;
    agents[4].proc.kill('SIGKILL');
    await agents[4].exited;
    const r = await runCli(
      [
        'command',
        'run',
        '--group',
        'web',
        '--topic',
        'runcommand',
        '--timeout',
        '5s',
        '--delivery-timeout',
        '3s',
        '--',
        'echo',
        'apcu cleared',
      ],
      env(),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /4 of 5/);
    const text = await waitFor(() => slackTexts().find((t) => /missing/.test(t)), 20_000, 'Slack');
    assert.match(text, /1 missing/);
    assert.match(text, /hogehoge/);
  });
});
