import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile, resolveSettings } from './agent-config.js';
import { reconnectDelay } from './reconnect-backoff.js';

describe('agent settings', () => {
  it('reads flags', () => {
    const s = resolveSettings([
      '--url=https://t.example.com',
      '--enroll=tok',
      '--tag=role=web',
      '--tag=env=prod',
      '--state-dir=/tmp/x',
      '--allow-commands',
      '--allow-prefix=systemctl ',
      '--log-file=web/nginx=/var/log/nginx/access.log',
      '--metrics-every=30s',
      '--name=web-1',
    ]);
    assert.deepEqual(s.tags, { role: 'web', env: 'prod' });
    assert.equal(s.metricsEveryMs, 30_000);
    assert.equal(s.allowCommands, true);
    assert.deepEqual(s.allowPrefixes, ['systemctl ']);
    assert.deepEqual(s.sources, [
      { name: '/var/log/nginx/access.log', group: 'web/nginx', path: '/var/log/nginx/access.log' },
    ]);
    assert.equal(s.hostname, 'web-1');
  });

  it('merges a YAML file under the flags and names the line of a bad field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-config-'));
    try {
      const file = path.join(dir, 'agent.yaml');
      writeFileSync(
        file,
        'url: http://127.0.0.1:8080\ntags:\n  role: db\n' +
          'logs:\n  - name: pg\n    group: db/postgres\n    path: /var/log/pg.log\n',
      );
      const s = resolveSettings([`--config=${file}`, '--tag=env=prod']);
      assert.deepEqual(s.tags, { role: 'db', env: 'prod' });
      assert.equal(s.sources[0].group, 'db/postgres');
      const bad = 'url: http://x\nlogs:\n  - name: pg\n    group: db\n    paht: /var/log/pg.log\nmetricsEvery: soon\n';
      assert.throws(
        () => loadConfigFile('agent.yaml', bad),
        (err: Error) => /agent\.yaml:3: logs\.0/.test(err.message) && /agent\.yaml:6: metricsEvery/.test(err.message),
      );
      assert.throws(
        () => loadConfigFile('a.json', '{"url": "http://x", "tags": {"role": 5}}'),
        /a\.json:1: tags\.role/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the config file example of docs/agent.md', () => {
    const doc = readFileSync(new URL('../../../docs/agent.md', import.meta.url), 'utf8');
    const example = /```yaml skip the agent's own config file[^\n]*\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'the example is in docs/agent.md');
    const c = loadConfigFile('docs/agent.md', example);
    assert.equal(c.logs?.[0].group, 'web/nginx');
    assert.equal(c.commands?.enabled, true);
  });

  it('sends metrics from every second (high resolution) to every hour', () => {
    const every = (v: string) => resolveSettings(['--url=http://x', `--metrics-every=${v}`]).metricsEveryMs;
    assert.equal(every('1s'), 1_000);
    assert.equal(every('1h'), 3_600_000);
    assert.throws(() => every('500ms'), /--metrics-every: must be between 1s and 60m/);
    assert.throws(() => every('2h'), /--metrics-every: must be between 1s and 60m/);
    assert.equal(loadConfigFile('a.yaml', 'url: http://x\nmetricsEvery: 1s\n').metricsEvery, 1_000);
  });

  it('refuses a missing URL and a bad tag', () => {
    assert.throws(() => resolveSettings(['--enroll=x']), /--url is required/);
    assert.throws(() => resolveSettings(['--url=http://x', '--tag=novalue']), /KEY=VALUE/);
  });

  it('backs off with full jitter from 1 s to a 60 s cap', () => {
    assert.equal(reconnectDelay(1, { random: () => 0.999999 }), 1000);
    assert.equal(reconnectDelay(3, { random: () => 0.5 }), 2000);
    assert.equal(reconnectDelay(20, { random: () => 0.999999 }), 60_000);
    assert.equal(reconnectDelay(5, { random: () => 0 }), 0);
  });
});
