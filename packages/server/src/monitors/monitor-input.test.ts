import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
