import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../packages/server/src/app.js';
import { loadConfigFile } from '../packages/server/src/config/config-loader.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { startS3TestServer, type S3TestServer } from '../packages/server/src/test-support/s3-test-server.js';
import { TestReceiver } from '../packages/server/src/test-support/scripted-receiver.js';
import { call, createTestApp } from '../packages/server/src/test-support/test-app.js';
import { testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { repoRoot } from './support/server-process.js';

/**
 * Seed 004 end to end, from examples/seed-004-evidence.yaml: the evidence file of 2019-12-07 (a Tokyo date) is
 * due in the bucket by 09:30 Tokyo time; it is missing then, so Slack hears once that it is missing; the batch
 * job puts it late, and Slack hears once that it is there. The bucket is a real S3-compatible server (s3rver),
 * Slack a real HTTP receiver, time a fake clock.
 */
const MIN = 60_000;
/** 08:00 on 2019-12-07 in Tokyo (23:00 on the 6th in UTC). */
const T0 = Date.UTC(2019, 11, 6, 23, 0);
const DUE = Date.UTC(2019, 11, 7, 0, 30);

for (const variant of await testDatabases()) {
  describe(`seed 004's evidence check from examples/seed-004-evidence.yaml on ${variant.name}`, () => {
    let s3: S3TestServer;
    let slack: TestReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      s3 = await startS3TestServer(['batch-evidence']);
      slack = await TestReceiver.start();
      clock = new FakeClock(T0);
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const loaded = loadConfigFile(path.join(repoRoot, 'examples/seed-004-evidence.yaml'), {
        SLACK_URL: `${slack.url}/slack`,
      });
      assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded));
      // The example's bucket is in AWS; here it is the test's server, as a self-hosted one is written.
      const [monitor] = loaded.config.monitors as Record<string, unknown>[];
      monitor.s3 = { ...(monitor.s3 as object), ...s3.location('batch-evidence') };
      const applied = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.equal(applied.changes.length, 2, JSON.stringify(applied.changes));
      const again = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.deepEqual(again.changes, [], 'applied again: nothing to change (the monitor is stored as written)');
    });
    after(async () => {
      await dispose();
      await slack.close();
      await s3.close();
    });

    /** Runs every check due at each minute up to `until`, then sends what the outbox holds. */
    async function runUntil(until: number): Promise<void> {
      for (let t = clock.now(); t <= until; t += MIN) {
        clock.set(t);
        for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
        await tocsin.outbox.runOnce();
      }
    }
    const messages = () => slack.requests.map((r) => JSON.stringify(JSON.parse(r.body)));
    const state = async () => (await call(tocsin, 'GET', '/api/monitors/batch-evidence')).json;

    it('refuses a time zone that does not exist, naming the field', async () => {
      const res = await call(tocsin, 'PUT', '/api/monitors/typo', {
        type: 'object',
        path: '/srv/{date}.done',
        timezone: 'Asia/Tokio',
        cron: '0 9 * * *',
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /timezone/);
      assert.match(res.text, /'Asia\/Tokio' is not an IANA time zone/);
    });

    it('waits for 09:30 in Tokyo before checking', async () => {
      const view = await state();
      assert.equal(view.state, 'PENDING');
      assert.equal(view.nextCheckAt, new Date(DUE).toISOString());
      await runUntil(DUE - MIN);
      assert.equal((await state()).lastCheckAt, null, 'no check before the deadline');
      assert.equal(slack.requests.length, 0);
    });

    it("says once that today's file is missing", async () => {
      await runUntil(DUE + 10 * MIN);
      const view = await state();
      assert.equal(view.state, 'DOWN');
      assert.equal(view.lastResult.reason, 's3://batch-evidence/2019-12-07/evidence.txt not found');
      assert.equal(slack.requests.length, 1, messages().join('\n'));
      assert.match(messages()[0]!, /batch-evidence/);
      assert.match(messages()[0]!, /2019-12-07\/evidence\.txt not found/);
    });

    it('says once that it is there when the batch job puts it late', async () => {
      await s3.put('batch-evidence', '2019-12-07/evidence.txt', 'ran at 10:05');
      await runUntil(clock.now() + 2 * MIN);
      const view = await state();
      assert.equal(view.state, 'UP', JSON.stringify(view.lastResult));
      assert.match(view.lastResult.reason, /^found, 12 bytes/);
      assert.equal(slack.requests.length, 2, messages().join('\n'));
      assert.doesNotMatch(messages()[1]!, /not found/);
      assert.equal(view.nextCheckAt, new Date(DUE + 86_400_000).toISOString(), 'next: 09:30 on the 8th');
      await runUntil(clock.now() + 30 * MIN);
      assert.equal(slack.requests.length, 2, 'nothing more');
    });
  });
}
