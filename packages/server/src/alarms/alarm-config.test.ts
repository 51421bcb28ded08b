import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { TocsinError } from '../core/errors.js';
import { formatIssues, issuesFromApi, loadConfigText } from '../config/config-loader.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

/** The four bad inputs the alarms section must name by file and line, as `tocsin apply` prints them. */
const text = [
  'alarms:', //                                        1
  '  - name: disk', //                                 2
  '    namespace: Tocsin/Host', //                     3
  '    metricName: disk_used_percent', //              4
  '    statistic: Median', //                          5
  '    period: 45s', //                                6
  '    evaluationPeriods: 2', //                       7
  '    datapointsToAlarm: 3', //                       8
  '    threshold: 70', //                              9
  '    comparisonOperator: GreaterThanOrEqualToThreshold', // 10
  '  - name: either', //                               11
  '    rule: ALARM(disk-typo) OR ALARM(cpu)', //       12
  'version: 1',
  '',
].join('\n');

for (const variant of await testDatabases()) {
  describe(`alarms in a config file on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => ({ tocsin, dispose } = await createTestApp(variant.name)));
    after(() => dispose());

    it('names the file, line and field of an unknown statistic, a 45 s period and M greater than N', () => {
      const loaded = loadConfigText(text, 'alarms.yaml', {});
      assert.equal(loaded.ok, false);
      const lines = formatIssues(loaded.ok ? [] : loaded.issues).split('\n');
      assert.ok(
        lines.some((l) =>
          /^alarms\.yaml:5: alarms\.0\.statistic: SampleCount, Sum, Average, Minimum, Maximum or a percentile/.test(l),
        ),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => /^alarms\.yaml:6: alarms\.0\.period: must be 10s, 20s, 30s or a multiple of 60s/.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) =>
          /^alarms\.yaml:8: alarms\.0\.datapointsToAlarm: must not be more than evaluationPeriods \(2\)/.test(l),
        ),
        lines.join('\n'),
      );
    });

    it('names the line of a rule that names an unknown alarm, and applies nothing', async () => {
      const fixed = text
        .replace('statistic: Median', 'statistic: Average')
        .replace('period: 45s', 'period: 5m')
        .replace('datapointsToAlarm: 3', 'datapointsToAlarm: 2');
      const loaded = loadConfigText(fixed, 'alarms.yaml', {});
      assert.ok(loaded.ok);
      const err = await tocsin.config.apply({ config: loaded.config }).then(
        () => assert.fail('applied'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TocsinError && err.code === 'validation_failed');
      assert.match(
        formatIssues(issuesFromApi(err.details, 'alarms.yaml', loaded.locate)),
        /^alarms\.yaml:12: alarms\.1\.rule: .*disk-typo/,
      );
      assert.throws(() => tocsin.alarms.get('disk'), 'the valid alarm of the file was not applied either');
    });

    it('refuses to delete an alarm a composite still names; prunes a composite before alarms it names', async () => {
      const metric = {
        namespace: 'App',
        metricName: 'm',
        statistic: 'Maximum',
        period: '1m',
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      };
      await tocsin.config.apply({
        config: {
          alarms: [
            { ...metric, name: 'base' },
            { ...metric, name: 'quiet' },
            { name: 'both', rule: 'ALARM(base)', actionsSuppressor: 'quiet' },
          ],
        },
      });
      const res = await call(tocsin, 'DELETE', '/api/alarms/base');
      assert.equal(res.status, 409);
      assert.equal(
        res.json.error.message,
        "alarm 'base' is named by composite alarm 'both'; change or delete that first",
      );
      assert.equal((await call(tocsin, 'DELETE', '/api/alarms/quiet')).status, 409, 'the suppressor counts too');
      // A file that keeps the composite but drops what it names cannot be pruned to.
      const keepsComposite = loadConfigText(
        ['alarms:', '  - name: both', '    rule: ALARM(base)', '    actionsSuppressor: quiet', 'version: 1', ''].join(
          '\n',
        ),
        'alarms.yaml',
        {},
      );
      assert.ok(keepsComposite.ok);
      const err = await tocsin.config.apply({ config: keepsComposite.config, prune: true }).then(
        () => assert.fail('applied'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TocsinError);
      assert.equal(
        formatIssues(issuesFromApi(err.details, 'alarms.yaml', keepsComposite.locate)),
        "alarms.yaml:3: alarms.0.rule: names 'base', 'quiet', which --prune would delete: keep it in the file",
      );
      // Pruned together, the composite goes first.
      const result = await tocsin.config.apply({ config: { alarms: [] }, prune: true });
      const order = result.changes.map((c) => c.name);
      assert.equal(order[0], 'both');
      assert.deepEqual([...order].sort(), ['base', 'both', 'quiet']);
      assert.deepEqual(tocsin.alarms.list(), []);
    });
  });
}
