import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { createTocsin, type Tocsin } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { runTocsin, type CliRun } from '../test-support/cli-harness.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const SLACK_URL = 'https://hooks.slack.com/services/T0000/B0000/placeholder-not-a-secret';

let dir: string;
let url: string;
let tocsin: Tocsin;
let server: ReturnType<typeof serve>;

/** Runs `tocsin ARGS` from source against the test server; `undefined` in env removes a variable. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runTocsin(args, { TOCSIN_URL: url, TOCSIN_TOKEN: ADMIN_TOKEN, SLACK_URL, ...env });
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function api(method: string, pathname: string): Promise<any> {
  const res = await fetch(url + pathname, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.ok(res.ok, `${method} ${pathname}: ${res.status}`);
  return res.json();
}

const exported = async () => JSON.stringify(await api('GET', '/api/config/export'));
const topicNames = async () =>
  ((await api('GET', '/api/topics')).topics as { name: string }[]).map((t) => t.name).sort();

const opsYaml = `version: 1
topics:
  - name: ops
    displayName: Operations
    subscriptions:
      - protocol: webhook
        name: hook
        endpoint: http://127.0.0.1:9/hook
      - protocol: slack
        endpoint: \${SLACK_URL}
`;

describe('tocsin CLI against a running server', () => {
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-cli-'));
    const settings = loadSettings({ 'data-dir': dir, port: '0', 'admin-token': ADMIN_TOKEN }, {}, dir);
    tocsin = await createTocsin(settings, { logger: silentLogger });
    server = serve({ fetch: tocsin.http.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tocsin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a file, printing the plan as a diff, and a second apply changes nothing', async () => {
    const ops = file('ops.yaml', opsYaml);
    const first = await cli(['apply', '-f', ops]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      '+ topic ops\n  + subscription ops/hook\n  + subscription ops/slack\n1 to create, 0 to update, 0 to delete\n',
    );
    const { subscriptions } = await api('GET', '/api/topics/ops');
    assert.deepEqual(subscriptions.map((s: { name: string }) => s.name).sort(), ['hook', 'slack']);

    const again = await cli(['apply', '-f', ops]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'no changes\n');
  });

  it('exports references instead of secrets, and the export applies back with no changes', async () => {
    const out = path.join(dir, 'exported.yaml');
    const [printed, written] = await Promise.all([cli(['export']), cli(['export', '-o', out])]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(written.code, 0, written.stderr);
    assert.match(printed.stdout, /^# .*\$\{VAR\}.*\n# .*<redacted>/);
    assert.match(printed.stdout, /endpoint: \$\{SLACK_URL\}/);
    assert.ok(!printed.stdout.includes(SLACK_URL), 'the Slack URL is a secret');
    assert.match(printed.stdout, /endpoint: http:\/\/127\.0\.0\.1:9\/hook/);
    assert.equal(readFileSync(out, 'utf8'), printed.stdout);

    const back = await cli(['apply', '-f', out]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout, 'no changes\n');
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = await exported();
    const changed = file('changed.yaml', `${opsYaml.replace('Operations', 'Ops on call')}  - name: extra\n`);
    const r = await cli(['apply', '-f', changed, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      '~ topic ops (displayName)\n+ topic extra\n' +
        '1 to create, 1 to update, 0 to delete (dry run: nothing was applied)\n',
    );
    assert.equal(await exported(), before);
  });

  it('--prune deletes a topic the file leaves out', async () => {
    const withOld = file('with-old.yaml', `${opsYaml}  - name: old\n`);
    const added = await cli(['apply', '-f', withOld]);
    assert.equal(added.stdout, '+ topic old\n1 to create, 0 to update, 0 to delete\n', added.stderr);
    const kept = await cli(['apply', '-f', file('ops.yaml', opsYaml)]);
    assert.equal(kept.stdout, 'no changes\n', 'without --prune nothing is deleted');
    const pruned = await cli(['apply', '-f', path.join(dir, 'ops.yaml'), '--prune']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.equal(pruned.stdout, '- topic old\n0 to create, 0 to update, 1 to delete\n');
    assert.deepEqual(await topicNames(), ['ops']);
  });

  it('an invalid file prints every error at its line, exits 1 and changes nothing', async () => {
    const before = await exported();
    const bad = file(
      'bad.yaml',
      [
        'topics:', // 1
        '  - name: ops', // 2
        '    displayName: Changed', // 3
        '    subscriptions:', // 4
        '      - protocol: pigeon', // 5
        '        endpoint: coop', // 6
        '      - protocol: webhook', // 7
        '        endpoint: not a url', // 8
        '  - name: second', // 9
        '    colour: red', // 10
        'version: 1',
        '',
      ].join('\n'),
    );
    const r = await cli(['apply', '-f', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.match(lines[0], new RegExp(`^${bad}:5: topics\\.0\\.subscriptions\\.0\\.protocol: .*'webhook'`));
    assert.equal(lines[1], `${bad}:8: topics.0.subscriptions.1.endpoint: an http:// or https:// URL`);
    assert.equal(lines[2], `${bad}:10: topics.1.colour: unknown field`);
    assert.equal(await exported(), before);
  });

  it("maps the server's validation errors to lines of the file", async () => {
    const dup = file(
      'dup.yaml',
      'topics:\n  - name: ops\n  - name: spare\n  - name: ops\n    displayName: Twice\nversion: 1\n',
    );
    const r = await cli(['apply', '-f', dup]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `${dup}:4: topics.2.name: topic 'ops' is declared twice\n`);
    assert.deepEqual(await topicNames(), ['ops']);
  });

  it('creates, lists and revokes a token', async () => {
    const created = await cli(['tokens', 'create', 'ci-reader', '--scope', 'read']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^tcn_[A-Za-z0-9]+$/, 'stdout is the token alone');
    assert.match(created.stderr, /shown only now/);

    const [read, listed] = await Promise.all([cli(['deliveries', 'list', '--token', token]), cli(['tokens', 'list'])]);
    assert.equal(read.code, 0, read.stderr);
    const row = listed.stdout.split('\n').find((l) => l.startsWith('ci-reader '));
    assert.match(row ?? '', /^ci-reader +read +tcn_\S*… .* active +\S+$/, listed.stdout);
    assert.ok(!listed.stdout.includes(token), 'a listed token shows only its prefix');

    const revoked = await cli(['tokens', 'revoke', 'ci-reader']);
    assert.equal(revoked.stdout, "token 'ci-reader' revoked\n", revoked.stderr);
    const after = await cli(['tokens', 'list']);
    assert.match(after.stdout.split('\n').find((l) => l.startsWith('ci-reader ')) ?? '', / revoked +\S+$/);
    const refused = await cli(['deliveries', 'list', '--token', token]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^tocsin: GET \/api\/deliveries: 401 .+\n$/);
  });

  it('publishes an event and lists its deliveries', async () => {
    const published = await cli([
      'publish',
      'ops',
      '--title',
      'disk full',
      '--severity',
      'warning',
      '--attr',
      'host=db1',
      '--attr',
      'region=eu',
    ]);
    assert.equal(published.code, 0, published.stderr);
    const eventId = /^published event (\S+) to ops: 2 deliveries queued\n$/.exec(published.stdout)?.[1];
    assert.ok(eventId, published.stdout);

    const [table, json, dead, replayAll] = await Promise.all([
      cli(['deliveries', 'list', '--topic', 'ops']),
      cli(['deliveries', 'list', '--json', '--limit', '10']),
      cli(['deliveries', 'list', '--status', 'dead']),
      cli(['deliveries', 'replay', '--all-dead', '--topic', 'ops']),
    ]);
    const rows = table.stdout.trimEnd().split('\n');
    assert.match(rows[0], /^ID +STATUS +SUBSCRIPTION +ATTEMPTS +LAST ERROR +CREATED$/);
    assert.equal(rows.length, 3, table.stdout);
    const statusColumn = rows[0].indexOf('STATUS');
    for (const row of rows.slice(1)) {
      assert.match(row.slice(statusColumn), /^pending +ops\/(hook|slack) +0 +- +\d+[sm] ago$/, table.stdout);
    }
    const deliveries = JSON.parse(json.stdout) as { id: string; eventId: string }[];
    assert.deepEqual(
      deliveries.map((d) => d.eventId),
      [eventId, eventId],
    );
    const { event } = await api('GET', `/api/deliveries/${deliveries[0].id}`);
    assert.deepEqual(event.attributes, { host: 'db1', region: 'eu' });
    assert.equal(event.severity, 'warning');
    assert.equal(dead.stdout, 'ID  STATUS  SUBSCRIPTION  ATTEMPTS  LAST ERROR  CREATED\n');
    assert.equal(replayAll.stdout, 'replaying 0 dead deliveries\n', replayAll.stderr);

    const pending = await cli(['deliveries', 'replay', deliveries[0].id]);
    assert.equal(pending.code, 1);
    assert.equal(
      pending.stderr,
      `tocsin: POST /api/deliveries/${deliveries[0].id}/replay: 409 ` +
        `delivery ${deliveries[0].id} is still pending; it is retried on its own\n`,
    );
  });

  it('a usage mistake prints one line naming it and exits 2', async () => {
    const cases: [string[], RegExp][] = [
      [['apply'], /-f FILE/],
      [['apply', '-f', 'x.yaml', '--force'], /'--force'/],
      [['tokens', 'create', 'x', '--scope', 'root'], /--scope 'root'/],
      [['deliveries', 'list', '--limit', 'many'], /--limit 'many'/],
      [['publish', 'ops', '--title', 'x', '--severity', 'loud'], /--severity 'loud'/],
      [['publish', 'ops', '--title', 'x', '--attr', 'novalue'], /--attr 'novalue'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, [args, pattern]] of cases.entries()) {
      assert.equal(runs[i].code, 2, `${args.join(' ')}: ${runs[i].stderr}`);
      assert.match(runs[i].stderr, pattern, args.join(' '));
      assert.equal(runs[i].stderr.trimEnd().split('\n').length, 1, runs[i].stderr);
    }
  });

  it('reads the environment and the directory it is given, never those of the process it runs in', async () => {
    const saved = process.env.TOCSIN_URL;
    process.env.TOCSIN_URL = 'http://127.0.0.1:9';
    try {
      const listed = await cli(['tokens', 'list']);
      assert.equal(listed.code, 0, `TOCSIN_URL of the run, not of the process: ${listed.stderr}`);
    } finally {
      if (saved === undefined) delete process.env.TOCSIN_URL;
      else process.env.TOCSIN_URL = saved;
    }
    file('relative.yaml', opsYaml);
    assert.notEqual(process.cwd(), dir);
    const relative = await runTocsin(
      ['apply', '-f', 'relative.yaml', '--dry-run'],
      { TOCSIN_URL: url, TOCSIN_TOKEN: ADMIN_TOKEN, SLACK_URL },
      dir,
    );
    assert.equal(relative.code, 0, `a relative -f is read in the run's directory: ${relative.stderr}`);
    assert.match(relative.stdout, /dry run|no changes/);
  });

  it('--help prints the usage; an unreachable server or a missing token is one clear line', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const [help, down, noToken, byFlag] = await Promise.all([
      cli(['deliveries', '--help']),
      cli(['tokens', 'list'], { TOCSIN_URL: `http://127.0.0.1:${closedPort}` }),
      cli(['tokens', 'list'], { TOCSIN_TOKEN: undefined }),
      cli(['tokens', 'list', '--url', url], { TOCSIN_URL: `http://127.0.0.1:${closedPort}` }),
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: tocsin deliveries list/);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr,
      `tocsin: cannot reach the Tocsin server at http://127.0.0.1:${closedPort} ` +
        '(is it running? set --url or TOCSIN_URL)\n',
    );
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /^tocsin: .*set --token or TOCSIN_TOKEN.*\n$/);
    assert.equal(byFlag.code, 0, '--url wins over TOCSIN_URL');
  });
});
