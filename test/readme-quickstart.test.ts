import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../packages/server/src/test-support/http-receiver.js';
import { api, repoRoot, spawnCli, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'readme-quickstart-admin-token-0123456789';
/** The ways the README may call the CLI; each runs the same main. */
const PREFIXES = ['npm run -s tocsin -- ', 'npx tocsin ', 'tocsin '];
const argsOf = (line: string) => words(line.slice(PREFIXES.find((p) => line.startsWith(p))!.length));

/** Splits a shell line into words: plain words, '…' and "…" (no expansions), up to a # comment. */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      assert.ok(end > i, `unclosed quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else word = (word ?? '') + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** The `tocsin` command lines of the README's quick start, as written. */
function quickStartCommands(): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
  );
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).filter((l) => PREFIXES.some((p) => l.startsWith(p)));
}

describe("the README's quick start", () => {
  let server: ServerProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-readme-'));
    server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as written, with no environment variable but the server and its token', async () => {
    const lines = quickStartCommands();
    const verbs = lines.map((l) => argsOf(l).slice(0, 2).join(' '));
    for (const wanted of ['apply -f', 'metrics put', 'monitors', 'heartbeats', 'alarms']) {
      assert.ok(
        verbs.some((v) => v.startsWith(wanted)),
        `the quick start has '${wanted}': ${verbs.join(', ')}`,
      );
    }
    // The README's CLI is the built one; spawnCli runs the same main from source, as a process. Only the
    // server's address and the token of the earlier `export` step are set.
    const env = { TOCSIN_URL: server.url, TOCSIN_TOKEN: TOKEN };
    const out: Record<string, string> = {};
    for (const line of lines) {
      const r = await spawnCli(argsOf(line), env, undefined, repoRoot);
      assert.equal(r.code, 0, `${line}\n${r.stderr}`);
      assert.equal(r.stderr, '', line);
      out[line] = r.stdout;
    }
    const find = (start: string) => out[lines.find((l) => argsOf(l).join(' ').startsWith(start))!];
    assert.equal(
      find('apply -f examples/quickstart.yaml'),
      [
        '+ topic quickstart',
        '  + subscription quickstart/local-receiver',
        '+ monitor tocsin-self',
        '+ heartbeat quickstart-job',
        '+ status page quickstart',
        '+ alarm disk-used',
        '5 to create, 0 to update, 0 to delete',
        '',
      ].join('\n'),
    );
    assert.match(find('metrics put'), /^put Quickstart disk_used_percent \{Host=laptop\} = 85\n$/);
    assert.match(find('monitors'), /\ntocsin-self +\S+ +http +http:\/\/127\.0\.0\.1:\d+\/healthz /);
    assert.match(find('heartbeats'), /\nquickstart-job +UP /, 'the job reported by tocsin run');
    assert.match(find('alarms'), /\ndisk-used +\S+ /);
    // The browser steps: the first visit sets up the first admin, and the status page is public.
    const setup = await fetch(`${server.url}/api/setup`);
    assert.deepEqual(await setup.json(), { needed: true });
    const page = await fetch(`${server.url}/status/quickstart`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Quick start status[\s\S]*Tocsin itself[\s\S]*Quick-start job/);
    // The monitor checks this very server (TOCSIN_URL), so it comes up; the datapoint is stored.
    await waitFor(
      async () => (await api(server.url, TOKEN, 'GET', '/api/monitors/tocsin-self')).json.state === 'UP',
      'the monitor of /healthz is up',
      30_000,
    );
    const q = new URLSearchParams({
      namespace: 'Quickstart',
      name: 'disk_used_percent',
      dimensions: '{"Host":"laptop"}',
      statistic: 'Maximum',
      period: '60',
      from: new Date(Date.now() - 600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    const { datapoints } = (await api(server.url, TOKEN, 'GET', `/api/metrics/query?${q}`)).json as {
      datapoints: { value: number | null }[];
    };
    assert.deepEqual(
      datapoints.map((d) => d.value).filter((v) => v !== null),
      [85],
    );
  });

  it('splits command lines as a shell does for the forms the README uses', () => {
    assert.deepEqual(words(`run job -- echo "backup done" 'a b'c  # note`), [
      'run',
      'job',
      '--',
      'echo',
      'backup done',
      'a bc',
    ]);
  });
});
