import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { formatIssues, issuesFromApi, loadConfigText } from '../config/config-loader.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const metric = {
  namespace: 'App',
  statistic: 'Maximum',
  period: '1m',
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: 'GreaterThanThreshold',
};

for (const variant of await testDatabases()) {
  describe(`composite alarm cycles on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(Date.UTC(2026, 10, 23)) }));
      for (const name of ['m1', 'm2'])
        assert.equal((await call(tocsin, 'POST', '/api/alarms', { ...metric, name, metricName: name })).status, 201);
      for (const [name, rule] of [
        ['x', 'ALARM(m1)'],
        ['y', 'ALARM(x)'],
        ['z', 'ALARM(y) OR ALARM(m2)'],
      ]) {
        assert.equal((await call(tocsin, 'POST', '/api/alarms', { name, rule })).status, 201);
      }
    });
    after(() => dispose());

    async function refused(method: string, url: string, body: Record<string, unknown>, message: string): Promise<void> {
      const res = await call(tocsin, method, url, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.message, message);
    }

    it('refuses a composite that names itself, on create', async () => {
      await refused(
        'POST',
        '/api/alarms',
        { name: 'selfish', rule: 'ALARM(m1) OR ALARM(selfish)' },
        'rule: ALARM(selfish) would make a cycle selfish → selfish',
      );
      assert.throws(() => tocsin.alarms.get('selfish'));
    });

    it('keeps an alarm a rule names, so no new alarm of its name can close a cycle through that rule', async () => {
      await call(tocsin, 'POST', '/api/alarms', { ...metric, name: 'gone', metricName: 'gone' });
      await call(tocsin, 'POST', '/api/alarms', { name: 'watcher', rule: 'ALARM(gone)' });
      assert.equal((await call(tocsin, 'DELETE', '/api/alarms/gone')).status, 409);
      await refused(
        'PUT',
        '/api/alarms/gone',
        { name: 'gone', rule: 'OK(watcher)' },
        'rule: OK(watcher) would make a cycle gone → watcher → gone',
      );
    });

    it('refuses an update that closes a cycle of two, or a longer one, and keeps the alarm as it was', async () => {
      await refused(
        'PUT',
        '/api/alarms/x',
        { name: 'x', rule: 'ALARM(y)' },
        'rule: ALARM(y) would make a cycle x → y → x',
      );
      await refused(
        'PUT',
        '/api/alarms/x',
        { name: 'x', rule: 'ALARM(m1) AND NOT INSUFFICIENT_DATA(z)' },
        'rule: INSUFFICIENT_DATA(z) would make a cycle x → z → y → x',
      );
      assert.equal((tocsin.alarms.get('x').spec as { rule: string }).rule, 'ALARM(m1)');
      const fine = await call(tocsin, 'PUT', '/api/alarms/x', { name: 'x', rule: 'ALARM(m1) OR ALARM(m2)' });
      assert.equal(fine.status, 200, 'a change that closes no cycle goes through');
    });

    it('counts an actions suppressor as a dependency', async () => {
      await refused(
        'PUT',
        '/api/alarms/x',
        { name: 'x', rule: 'ALARM(m1)', actionsSuppressor: 'z' },
        'actionsSuppressor: z would make a cycle x → z → y → x (a suppressor counts as a dependency)',
      );
      await refused(
        'PUT',
        '/api/alarms/y',
        { name: 'y', rule: 'ALARM(m2)', actionsSuppressor: 'y' },
        'actionsSuppressor: y would make a cycle y → y (a suppressor counts as a dependency)',
      );
      const fine = await call(tocsin, 'PUT', '/api/alarms/x', {
        name: 'x',
        rule: 'ALARM(m1)',
        actionsSuppressor: 'm2',
      });
      assert.equal(fine.status, 200);
    });

    it('refuses cycles among alarms a file applies at once, at the line of each rule; applies nothing', async () => {
      const text = [
        'alarms:', //                                  1
        '  - name: p', //                              2
        '    rule: ALARM(q) OR ALARM(m1)', //          3
        '  - name: q', //                              4
        '    rule: ALARM(r)', //                       5
        '  - name: r', //                              6
        '    rule: OK(p)', //                          7
        '  - name: s', //                              8
        '    rule: ALARM(m2)', //                      9
        'version: 1',
        '',
      ].join('\n');
      const loaded = loadConfigText(text, 'alarms.yaml', {});
      assert.ok(loaded.ok);
      const err = await tocsin.config.apply({ config: loaded.config }).then(
        () => assert.fail('applied'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TocsinError && err.code === 'validation_failed');
      assert.equal(
        formatIssues(issuesFromApi(err.details, 'alarms.yaml', loaded.locate)),
        [
          'alarms.yaml:3: alarms.0.rule: ALARM(q) would make a cycle p → q → r → p',
          'alarms.yaml:5: alarms.1.rule: ALARM(r) would make a cycle q → r → p → q',
          'alarms.yaml:7: alarms.2.rule: OK(p) would make a cycle r → p → q → r',
        ].join('\n'),
      );
      assert.throws(() => tocsin.alarms.get('s'), 'nothing of the file was applied');
    });

    it('refuses a file that closes a cycle with an alarm already there', async () => {
      const err = await tocsin.config.apply({ config: { alarms: [{ name: 'm1', rule: 'ALARM(y)' }] } }).then(
        () => assert.fail('applied'),
        (e: unknown) => e,
      );
      assert.match((err as Error).message, /^alarms\.0\.rule: ALARM\(y\) would make a cycle m1 → y → x → m1$/);
    });

    it('applies composites naming composites declared after them, in dependency order', async () => {
      const applied = await tocsin.config.apply({
        config: {
          alarms: [
            { name: 'top', rule: 'ALARM(middle) AND ALARM(m2)' },
            { name: 'middle', rule: 'ALARM(bottom)' },
            { name: 'bottom', rule: 'ALARM(m1)', actionsSuppressor: 'm2' },
          ],
        },
      });
      assert.deepEqual(
        applied.changes.map((c) => c.name),
        ['bottom', 'middle', 'top'],
      );
      assert.equal(tocsin.alarms.get('top').state, 'INSUFFICIENT_DATA');
    });

    it('re-checks only composites naming a changed alarm, so a name inside another name locks nothing up', async () => {
      // 'ALARM(n1)' contains the text 'n', the name of the composite above it: taken for a reference, the change of
      // n would wait for the lock of c1, which is waiting for n.
      await tocsin.config.apply({
        config: {
          alarms: [
            { ...metric, name: 'n1', metricName: 'n1' },
            { name: 'c1', rule: 'ALARM(n1)' },
            { name: 'n', rule: 'ALARM(c1)' },
          ],
        },
      });
      const set = call(tocsin, 'PUT', '/api/alarms/n1/state', { state: 'ALARM', reason: 'test' });
      const res = await Promise.race([
        set,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('setting the state did not finish: a lock cycle')), 5000).unref(),
        ),
      ]);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        ['n1', 'c1', 'n'].map((a) => tocsin.alarms.get(a).state),
        ['ALARM', 'ALARM', 'ALARM'],
      );
    });
  });
}
