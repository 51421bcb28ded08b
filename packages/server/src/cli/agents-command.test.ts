import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from '../test-support/test-app.js';
import { startCliServer } from '../test-support/cli-harness.js';

describe('tocsin agents against a server', { timeout: 60_000 }, () => {
  let h: Awaited<ReturnType<typeof startCliServer>>;
  const ids: Record<string, string> = {};

  /** Enrols an agent as tocsin-agent would: the public enrolment endpoint, over HTTP. */
  async function enroll(token: string, hostname: string, tags: Record<string, string>): Promise<string> {
    const res = await fetch(`${h.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname, tags, version: '1.2.3', platform: 'linux' }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { agentId: string }).agentId;
  }

  before(async () => {
    h = await startCliServer();
  });
  after(() => h.close());

  it('enroll-token create prints the token once and the line to run on a host', async () => {
    const r = await h.cli(['agents', 'enroll-token', 'create', '--uses', '2', '--expires', '2h', '--name', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const [token, line] = r.stdout.trimEnd().split('\n');
    assert.match(token, /^tce_/);
    assert.equal(line, `tocsin-agent --url ${h.url} --enroll ${token}`);
    assert.match(r.stderr, /'web'.*2 use\(s\)/);
    ids.web = await enroll(token, 'web-1', { role: 'web' });
    ids.db = await enroll(token, 'db-1', { role: 'db' });
  });

  it('enroll-token list shows uses taken and never the secret; revoke revokes', async () => {
    const r = await h.cli(['agents', 'enroll-token', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+NAME\s+STATE\s+USED/);
    assert.match(r.stdout, /web\s+used\s+2\/2/);
    assert.doesNotMatch(r.stdout, /tce_/);
    const made = await h.cli(['agents', 'enroll-token', 'create', '--tag', 'env=prod']);
    const json = await h.cli(['agents', 'enroll-token', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as { id: string; tags: Record<string, string> }[];
    const fresh = rows.find((t) => t.tags.env === 'prod');
    assert.ok(fresh, made.stderr);
    const rv = await h.cli(['agents', 'enroll-token', 'revoke', fresh.id]);
    assert.equal(rv.code, 0, rv.stderr);
    assert.match(rv.stdout, /revoked/);
    const again = await h.cli(['agents', 'enroll-token', 'list', '--json']);
    const state = (JSON.parse(again.stdout) as { id: string; state: string }[]).find((t) => t.id === fresh.id)?.state;
    assert.equal(state, 'revoked');
  });

  it('list shows a table, picks by tag and state; show prints one', async () => {
    const r = await h.cli(['agents']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+HOSTNAME\s+STATE\s+TAGS\s+VERSION\s+LAST SEEN/);
    assert.match(r.stdout, new RegExp(`${ids.web}\\s+web-1\\s+offline\\s+role=web\\s+1\\.2\\.3`));
    const web = await h.cli(['agents', 'list', '--tag', 'role=web', '--json']);
    assert.deepEqual(
      (JSON.parse(web.stdout) as { id: string }[]).map((a) => a.id),
      [ids.web],
    );
    const online = await h.cli(['agents', 'list', '--state', 'online', '--json']);
    assert.deepEqual(JSON.parse(online.stdout), []);
    const show = await h.cli(['agents', 'show', ids.db]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /hostname:\s+db-1/);
    assert.match(show.stdout, /version:\s+1\.2\.3 \(linux\)/);
  });

  it('tag sets and removes tags', async () => {
    const r = await h.cli(['agents', 'tag', ids.web, 'env=prod', 'zone=a']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /env=prod/);
    const rm = await h.cli(['agents', 'tag', ids.web, '--remove', 'zone']);
    assert.equal(rm.code, 0, rm.stderr);
    const a = JSON.parse((await h.cli(['agents', 'show', ids.web, '--json'])).stdout) as { tags: object };
    assert.deepEqual(a.tags, { role: 'web', env: 'prod' });
  });

  it('agent-groups list shows selector, expected size and members online', async () => {
    const put = await call(h.tocsin, 'PUT', '/api/agent-groups/web', { selector: { role: 'web' }, expectedSize: 2 });
    assert.ok(put.status === 201, put.text);
    const r = await h.cli(['agent-groups']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+SELECTOR\s+EXPECTED\s+HEALTHY/);
    assert.match(r.stdout, /web\s+role=web\s+2\s+0\/1/);
  });

  it('revoke says what it did; the agent is gone from the list', async () => {
    const r = await h.cli(['agents', 'revoke', ids.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`agent '${ids.db}' revoked`));
    const list = await h.cli(['agents', 'list', '--json']);
    assert.ok(!(JSON.parse(list.stdout) as { id: string }[]).some((a) => a.id === ids.db));
  });

  it('bad input names the flag in one line; API errors as other verbs show them', async () => {
    const state = await h.cli(['agents', 'list', '--state', 'up']);
    assert.equal(state.code, 2);
    assert.match(state.stderr, /--state 'up'/);
    assert.equal(state.stderr.trimEnd().split('\n').length, 1);
    const uses = await h.cli(['agents', 'enroll-token', 'create', '--uses', 'x']);
    assert.equal(uses.code, 2);
    assert.match(uses.stderr, /--uses 'x'/);
    const exp = await h.cli(['agents', 'enroll-token', 'create', '--expires', 'soon']);
    assert.match(exp.stderr, /--expires 'soon'/);
    const tag = await h.cli(['agents', 'tag', ids.web, 'oops']);
    assert.equal(tag.code, 2);
    assert.match(tag.stderr, /'oops' is not key=value/);
    const missing = await h.cli(['agents', 'show', 'no-such-agent']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /GET \/api\/agents\/no-such-agent: 404/);
    const nothing = await h.cli(['agents', 'tag', ids.web]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /give k=v pairs or --remove k/);
    const usage = await h.cli(['agents', '--help']);
    assert.match(usage.stdout, /tocsin agents tag ID k=v \.\.\. \[--remove k \.\.\.\]/);
    assert.match(usage.stdout, /tocsin agents enroll-token create\|list\|revoke/);
    const help = await h.cli(['help']);
    assert.match(help.stdout, /agents\s+list, show, tag and revoke agents/);
    assert.match(help.stdout, /agent-groups\s+list agent groups/);
  });
});
