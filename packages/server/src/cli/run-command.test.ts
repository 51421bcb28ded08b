import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { blackHole, CLI_ADMIN_TOKEN, closedPort, repoRoot, startCliServer } from '../test-support/cli-harness.js';
import { waitFor } from '../test-support/http-receiver.js';

type Harness = Awaited<ReturnType<typeof startCliServer>>;

describe('tocsin run always runs the job and exits with its status', () => {
  let h: Harness;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let down: string;

  before(async () => {
    [h, hole] = await Promise.all([startCliServer(), blackHole()]);
    down = `http://127.0.0.1:${await closedPort()}`;
    const res = await fetch(`${h.url}/api/heartbeats`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nightly', period: '1d', grace: '1h' }),
    });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await hole?.close();
    await h?.close();
  });

  /** A job that leaves a mark (so a test sees it ran) and exits 7. */
  const job = (mark: string) => ['--', 'sh', '-c', `echo ran >> ${path.join(h.dir, mark)}; echo job output; exit 7`];
  const ran = (mark: string) => readFileSync(path.join(h.dir, mark), 'utf8');

  it('runs the job when the server is unreachable, the token is wrong, the name unknown or a flag bad', async () => {
    const [unreachable, wrongToken, unknown, badFlag, noName] = await Promise.all([
      h.cli(['run', 'nightly', ...job('unreachable')], { TOCSIN_URL: down, TOCSIN_REPORT_TIMEOUT: '1s' }),
      h.cli(['run', 'nightly', ...job('token')], { TOCSIN_TOKEN: 'tcn_wrong' }),
      h.cli(['run', 'no-such-job', ...job('unknown')]),
      h.cli(['run', '--retries', '3', 'nightly', ...job('flag')]),
      h.cli(['run', ...job('noname')]),
    ]);
    for (const [mark, r] of Object.entries({
      unreachable,
      token: wrongToken,
      unknown,
      flag: badFlag,
      noname: noName,
    })) {
      assert.equal(r.code, 7, `${mark}: ${r.stderr}`);
      assert.equal(ran(mark), 'ran\n', mark);
      assert.match(r.stdout, /job output/, mark);
    }
    assert.match(
      unreachable.stderr,
      /tocsin run: cannot report the start of 'nightly': cannot reach the Tocsin server at http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.match(unreachable.stderr, /cannot report the exit status of 'nightly'/, 'it tries again after the job');
    assert.match(wrongToken.stderr, /GET \/api\/heartbeats\/nightly: 401 .*running the command anyway/);
    assert.match(unknown.stderr, /GET \/api\/heartbeats\/no-such-job: 404 .*running the command anyway/);
    assert.match(badFlag.stderr, /'--retries'.*running the command without reporting/);
    assert.match(noName.stderr, /no heartbeat NAME or ping URL/);
    const { pings } = (await (
      await fetch(`${h.url}/api/heartbeats/nightly/pings`, {
        headers: { authorization: 'Bearer test-admin-token-0123456789' },
      })
    ).json()) as { pings: { kind: string; exitStatus: number | null }[] };
    assert.deepEqual(pings, [], 'nothing was reported by the failed runs');
  });

  it('gives up reporting to a server that never answers in the report timeout, before and after the job', async () => {
    const [byEnv, byFlag, pingUrl] = await Promise.all([
      h.cli(['run', 'nightly', ...job('hung-env')], { TOCSIN_URL: hole.url, TOCSIN_REPORT_TIMEOUT: '1s' }),
      h.cli([
        'run',
        '--report-timeout',
        '500ms',
        `${hole.url}/ping/0190a5a4-0000-7000-8000-000000000000`,
        ...job('hung-flag'),
      ]),
      h.cli(['run', `${hole.url}/ping/0190a5a4-0000-7000-8000-000000000001`, ...job('hung-default')]),
    ]);
    for (const [mark, r] of Object.entries({ 'hung-env': byEnv, 'hung-flag': byFlag, 'hung-default': pingUrl })) {
      assert.equal(r.code, 7, `${mark}: ${r.stderr}`);
      assert.equal(ran(mark), 'ran\n', mark);
    }
    // The lookup gets what is left of the 1 s budget, so the message may say 0.99x s on a busy machine.
    assert.match(byEnv.stderr, /did not answer within (?:1|0\.9\d*) s/);
    assert.match(byFlag.stderr, /could not ping .*\/start\?rid=.*: no answer in time/);
    assert.match(byFlag.stderr, /could not ping .*\/7\?rid=.*: no answer in time/);
    // Two reports of at most the timeout each, plus some slack for a busy machine (the CLI runs in-process: no
    // start-up); before the bound, a hung server held the job for a minute.
    assert.ok(byEnv.ms < 2 * 1_000 + 5_000, `${byEnv.ms} ms`);
    assert.ok(byFlag.ms < 2 * 500 + 5_000, `${byFlag.ms} ms`);
    assert.ok(pingUrl.ms < 2 * 3_000 + 5_000, `default 3s: ${pingUrl.ms} ms`);
    assert.ok(pingUrl.ms > 2 * 3_000 - 500, `the default timeout is spent retrying: ${pingUrl.ms} ms`);
  });

  it('reports a run with a good name and token, and a bad --report-timeout only warns', async () => {
    const r = await h.cli(['run', '--report-timeout', 'soon', 'nightly', ...job('good')]);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /--report-timeout\): 'soon' is not a duration/);
    const { pings } = (await (
      await fetch(`${h.url}/api/heartbeats/nightly/pings`, {
        headers: { authorization: 'Bearer test-admin-token-0123456789' },
      })
    ).json()) as { pings: { kind: string; exitStatus: number | null }[] };
    assert.deepEqual(
      pings.map((p: { kind: string; exitStatus: number | null }) => `${p.kind}:${p.exitStatus}`),
      ['fail:7', 'start:null'],
    );
  });

  it('passes SIGTERM on to the job and reports the status it exits with', async () => {
    const headers = { authorization: `Bearer ${CLI_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${h.url}/api/heartbeats`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'stoppable', period: '1d', grace: '1h' }),
    });
    const { pingUrl } = (await created.json()) as { pingUrl: string };
    // Bounded, so that a wrapper that fails to pass the signal on leaves no endless job behind.
    const job =
      'trap "echo stopping; exit 42" TERM; echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done';
    const proc = spawn(
      process.execPath,
      [
        '-C',
        'source',
        '--import',
        'tsx',
        path.join(repoRoot, 'packages/server/src/cli/main.ts'),
        'run',
        pingUrl,
        '--',
        'sh',
        '-c',
        job,
      ],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => proc.once('close', resolve));
    await waitFor(() => out.includes('ready'), 'the job to start', 30_000);
    proc.kill('SIGTERM');
    assert.equal(await exited, 42, out);
    const { pings } = (await (await fetch(`${h.url}/api/heartbeats/stoppable/pings`, { headers })).json()) as {
      pings: { kind: string; exitStatus: number | null; body: string | null }[];
    };
    assert.deepEqual(
      pings.map((p) => `${p.kind}:${p.exitStatus}`),
      ['fail:42', 'start:null'],
    );
    assert.match(pings[0].body ?? '', /ready\nstopping/);
  });
});
