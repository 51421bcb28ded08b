import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { formatIssues, issuesFromApi, loadConfigText } from './config-loader.js';

const alarm = {
  name: 'disk',
  namespace: 'Host',
  metricName: 'DiskUsed',
  statistic: 'Average',
  period: '5m',
  evaluationPeriods: 1,
  threshold: 70,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  alarmActions: [{ topic: 'ops' }],
};
const monitor = { name: 'api', type: 'tcp', host: '127.0.0.1', port: 9, topics: ['ops'] };
const heartbeat = { name: 'backup', period: '1d', grace: '1h', topics: ['ops'] };

/** What applying `text` as `tocsin apply` does answers, as the CLI prints it. */
async function applyText(tocsin: Tocsin, text: string, prune = false): Promise<string> {
  const loaded = loadConfigText(text, 'f.yaml', {});
  assert.ok(loaded.ok, loaded.ok ? '' : formatIssues(loaded.issues));
  try {
    await tocsin.config.apply({ config: loaded.config, prune });
    return 'applied';
  } catch (err) {
    assert.ok(err instanceof TocsinError, String(err));
    return formatIssues(issuesFromApi(err.details, 'f.yaml', loaded.locate));
  }
}

for (const variant of await testDatabases()) {
  describe(`topics that monitors, heartbeats and alarms name, on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(
      async () =>
        ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(Date.UTC(2026, 5, 1, 12)) })),
    );
    after(() => dispose());
    beforeEach(async () => {
      await tocsin.config.apply({
        config: { topics: [{ name: 'ops' }], monitors: [monitor], heartbeats: [heartbeat], alarms: [alarm] },
        prune: true,
      });
    });
    const topicNames = async () => (await tocsin.topics.list()).map((t) => t.name).sort();

    it('refuses to delete a named topic through the API, naming what names it', async () => {
      const res = await call(tocsin, 'DELETE', '/api/topics/ops');
      assert.equal(res.status, 409, res.text);
      assert.equal(
        res.json.error.message,
        "topic 'ops' is named by monitor 'api', heartbeat 'backup', alarm 'disk'; change or delete those first",
      );
      assert.deepEqual(await topicNames(), ['ops']);
      for (const path of ['/api/monitors/api', '/api/heartbeats/backup', '/api/alarms/disk'])
        assert.equal((await call(tocsin, 'DELETE', path)).status, 204, path);
      assert.equal((await call(tocsin, 'DELETE', '/api/topics/ops')).status, 204);
    });

    it('refuses a heartbeat naming a topic that does not exist, through the API and in a file', async () => {
      const created = await call(tocsin, 'POST', '/api/heartbeats', {
        name: 'nightly',
        period: '1d',
        grace: '1h',
        topics: ['batch'],
      });
      assert.equal(created.status, 400, created.text);
      assert.deepEqual(created.json.error.details.issues, [
        { path: 'topics.0', message: "topic 'batch' does not exist" },
      ]);
      const replaced = await call(tocsin, 'PUT', '/api/heartbeats/backup', { ...heartbeat, topics: ['ops', 'batch'] });
      assert.equal(replaced.status, 400, replaced.text);
      assert.deepEqual(replaced.json.error.details.issues, [
        { path: 'topics.1', message: "topic 'batch' does not exist" },
      ]);
      const text = [
        'version: 1',
        'heartbeats:',
        '  - name: nightly',
        '    period: 1d',
        '    grace: 1h',
        '    topics:',
        '      - batch',
        '',
      ].join('\n');
      assert.equal(await applyText(tocsin, text), "f.yaml:7: heartbeats.0.topics.0: topic 'batch' does not exist");
      assert.throws(() => tocsin.heartbeats.get('nightly'));
      // Declared beside it, the topic is fine.
      assert.equal(
        await applyText(tocsin, text.replace('heartbeats:', 'topics:\n  - name: batch\nheartbeats:')),
        'applied',
      );
    });

    it('--prune refuses a file that drops a topic that resources outside the file name', async () => {
      const text = ['version: 1', 'topics:', '  - name: other', ''].join('\n');
      assert.equal(
        await applyText(tocsin, text, true),
        "f.yaml:2: topics: leaves out topic 'ops', which --prune would delete, " +
          "but monitor 'api', heartbeat 'backup', alarm 'disk' name it: keep it in the file",
      );
      assert.deepEqual(await topicNames(), ['ops'], 'nothing was applied');
      assert.equal(await applyText(tocsin, text, false), 'applied', 'without --prune nothing is deleted');
    });

    it('--prune refuses a file that keeps a referrer and drops its topic, at the referrer line', async () => {
      const text = [
        'version: 1',
        'topics:',
        '  - name: other',
        'monitors:',
        '  - name: api',
        '    type: tcp',
        '    host: 127.0.0.1',
        '    port: 9',
        '    topics: [ops]', // 9
        'heartbeats:',
        '  - name: backup',
        '    period: 1d',
        '    grace: 1h',
        '    topics:',
        '      - other',
        '      - ops', // 16
        'alarms:',
        '  - name: disk',
        '    namespace: Host',
        '    metricName: DiskUsed',
        '    statistic: Average',
        '    period: 5m',
        '    evaluationPeriods: 1',
        '    threshold: 70',
        '    comparisonOperator: GreaterThanOrEqualToThreshold',
        '    alarmActions:',
        '      - topic: ops', // 27
        '',
      ].join('\n');
      const gone =
        "topic 'ops' is left out of the file's topics, so --prune would delete it: " +
        'keep it in the file, or stop naming it here';
      // Each section stops at its own errors; the first one that has any answers.
      assert.equal(await applyText(tocsin, text, true), `f.yaml:9: monitors.0.topics.0: ${gone}`);
      assert.equal(
        await applyText(tocsin, text.replace('    topics: [ops]\n', ''), true),
        `f.yaml:15: heartbeats.0.topics.1: ${gone}`,
      );
      assert.equal(
        await applyText(tocsin, text.replace('    topics: [ops]\n', '').replace('      - ops\n', ''), true),
        `f.yaml:25: alarms.0.alarmActions.0: ${gone}`,
      );
      assert.deepEqual(await topicNames(), ['ops'], 'nothing was applied');
    });

    it('--prune deletes a topic once the same file stops naming it everywhere', async () => {
      const config = {
        topics: [{ name: 'other' }],
        monitors: [{ ...monitor, topics: ['other'] }],
        heartbeats: [{ ...heartbeat, topics: [] }],
        alarms: [{ ...alarm, alarmActions: [] }],
      };
      const result = await tocsin.config.apply({ config, prune: true });
      assert.ok(result.changes.some((c) => c.action === 'delete' && c.resource === 'topic' && c.name === 'ops'));
      assert.deepEqual(await topicNames(), ['other']);
      assert.deepEqual(tocsin.monitors.get('api').monitor.topics, ['other']);
    });
  });
}
