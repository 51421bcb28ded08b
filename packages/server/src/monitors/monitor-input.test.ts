import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TocsinError, httpStatusOf } from '../core/errors.js';
import { testDatabases } from '../test-support/test-databases.js';
import { keepUrlPassword, parseMonitorInput, redactUrl, upgradeStoredProbe } from './monitor-input.js';
import { initialRuntime } from './monitor-state.js';
import { insertMonitor, loadAll } from './monitor-store.js';
import type { Monitor } from './monitor-types.js';

for (const variant of await testDatabases()) {
  describe(`stored monitors on ${variant.name}`, () => {
    it('reads a DNS probe stored with its query in the old `name` field as `query`', async () => {
      const { handle, dispose } = await variant.create();
      try {
        const parsed = parseMonitorInput({ name: 'mx', type: 'dns', query: 'example.com', recordType: 'MX' });
        const old = { ...parsed.probe, name: 'example.org' } as Record<string, unknown> & { type: string };
        delete old.query;
        const monitor: Monitor = { ...parsed, probe: old, id: 'm-1', num: 1, type: 'dns', createdAt: 1, updatedAt: 1 };
        await insertMonitor(handle.db, monitor, initialRuntime(1));
        const [loaded] = await loadAll(handle.db);
        assert.equal(loaded.monitor.name, 'mx');
        assert.deepEqual(loaded.monitor.probe, { type: 'dns', query: 'example.org', recordType: 'MX' });
      } finally {
        await dispose();
      }
    });
  });
}

describe('monitor input', () => {
  it('redacts the password of a URL, keeping the rest as written', () => {
    assert.equal(redactUrl('http://u:pass@host/'), 'http://u:<redacted>@host/');
    assert.equal(
      redactUrl('https://user:p%40ss@[::1]:8443/a?b=c:d@e#f'),
      'https://user:<redacted>@[::1]:8443/a?b=c:d@e#f',
    );
    assert.equal(redactUrl('https://user:p@ss@host/'), 'https://user:<redacted>@host/');
    for (const same of ['http://host/', 'http://user@host/', 'http://host/a:b@c', 'http://u:@host/'])
      assert.equal(redactUrl(same), same);
  });

  it('takes the stored password back for a redacted one, and only for it', () => {
    const stored = 'http://u:s3cret@host/';
    assert.equal(keepUrlPassword('http://u:<redacted>@host/x', stored), 'http://u:s3cret@host/x');
    assert.equal(keepUrlPassword('http://u:%3Credacted%3E@host/', stored), 'http://u:s3cret@host/');
    assert.equal(keepUrlPassword('http://u:new@host/', stored), 'http://u:new@host/');
    assert.equal(keepUrlPassword('http://u:<redacted>@host/', 'http://host/'), 'http://u:<redacted>@host/');
  });

  it('upgrades only DNS probes that lack a query', () => {
    const http = { type: 'http', url: 'http://x/', name: 'kept' };
    assert.equal(upgradeStoredProbe(http), http);
    const current = { type: 'dns', query: 'a.example' };
    assert.equal(upgradeStoredProbe(current), current);
  });
});

describe('object monitor input', () => {
  const base = { name: 'evidence', type: 'object', s3: { bucket: 'batch-evidence' }, key: '{date}/evidence.txt' };

  /** The status and "path: message" issues of a refused monitor. */
  function refusal(input: Record<string, unknown>): { status: number; issues: string[] } {
    try {
      parseMonitorInput(input, 'monitors.0');
    } catch (err) {
      assert.ok(err instanceof TocsinError);
      const { issues } = err.details as { issues: { path: string; message: string }[] };
      return { status: httpStatusOf(err.code), issues: issues.map((i) => `${i.path}: ${i.message}`) };
    }
    assert.fail('accepted');
  }

  it('takes a key in a bucket on a cron schedule, keeping the fields as written', () => {
    const p = parseMonitorInput({ ...base, timezone: 'Asia/Tokyo', cron: '0 9 * * *', deadline: '30m' });
    assert.deepEqual(p.probe, {
      type: 'object',
      s3: { bucket: 'batch-evidence', prefix: '', region: 'us-east-1', pathStyle: false },
      key: '{date}/evidence.txt',
      timezone: 'Asia/Tokyo',
      cron: '0 9 * * *',
      deadline: '30m',
    });
  });

  for (const [what, change, expected] of [
    ['a time zone that does not exist', { timezone: 'Asia/Tokio' }, /^monitors\.0\.timezone: 'Asia\/Tokio' is not/],
    ['a cron of 6 fields', { cron: '0 0 9 * * *' }, /^monitors\.0\.cron: a cron expression of 5 fields/],
    ['an unknown placeholder', { key: '{day}/evidence.txt' }, /^monitors\.0\.key: placeholders are \{date\}/],
    ['a key without its bucket', { s3: undefined }, /^monitors\.0\.s3: a key needs its bucket/],
    ['both a path and a key', { path: '/srv/x' }, /^monitors\.0\.path: give either s3 and key .* not both/],
    ['a deadline without a cron', { deadline: '30m' }, /^monitors\.0\.deadline: a deadline counts from the cron/],
    ['a deadline that is no duration', { cron: '@daily', deadline: 'soon' }, /^monitors\.0\.deadline: a deadline/],
    ['a negative minimum size', { minSize: -1 }, /^monitors\.0\.minSize: a number of bytes/],
  ] as const) {
    it(`refuses ${what} with a 400 naming the field`, () => {
      const input: Record<string, unknown> = { ...base, ...change };
      for (const [k, v] of Object.entries(input)) if (v === undefined) delete input[k];
      const { status, issues } = refusal(input);
      assert.equal(status, 400);
      assert.equal(issues.length, 1, issues.join('; '));
      assert.match(issues[0], expected);
    });
  }
});
