import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { Tocsin } from '../packages/server/src/app.js';
import { loadConfigFile } from '../packages/server/src/config/config-loader.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { s3ClientFor } from '../packages/server/src/core/s3-client.js';
import { TestReceiver } from '../packages/server/src/test-support/scripted-receiver.js';
import { call, createTestApp, TEST_ADMIN_TOKEN } from '../packages/server/src/test-support/test-app.js';
import { testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { repoRoot } from './support/server-process.js';

/**
 * Seed 000's archive end to end, from examples/seed-000-archive.yaml: Apache access lines shipped through
 * POST /api/logs; at 00:00 JST the day before is exported to S3 (s3rver), 00:00:00 to 23:59:59 JST; the bucket
 * refusing the next night announces archive.failed on the topic, and the day is written once the bucket is back.
 * Credentials come from the usual AWS environment chain.
 */
const HOUR = 3600_000;

for (const variant of await testDatabases()) {
  describe(`seed 000's log archive from examples/seed-000-archive.yaml on ${variant.name}`, () => {
    let s3: S3rver;
    let s3dir: string;
    let hook: TestReceiver;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    // 2026-12-06 23:00 JST.
    const clock = new FakeClock(Date.parse('2026-12-06T14:00:00Z'));
    let endpoint: string;

    before(async () => {
      s3dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-s3-'));
      s3 = new S3rver({
        port: 0,
        address: '127.0.0.1',
        directory: s3dir,
        silent: true,
        configureBuckets: [{ name: 'apache-log-archive' }],
      });
      endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
      process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
      hook = await TestReceiver.start();
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const loaded = loadConfigFile(path.join(repoRoot, 'examples/seed-000-archive.yaml'), {
        S3_ENDPOINT: endpoint,
        S3_PATH_STYLE: 'true',
        AWS_REGION: 'us-east-1',
        ALERT_WEBHOOK: `${hook.url}/archive`,
      });
      assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded));
      const applied = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.deepEqual(applied.changes.map((c) => `${c.action} ${c.resource} ${c.name}`).sort(), [
        'create archive job apache-daily',
        'create log group apache-access',
        'create topic archive-alerts',
      ]);
    });
    after(async () => {
      await dispose();
      await s3.close();
      await hook.close();
      rmSync(s3dir, { recursive: true, force: true });
    });

    const settle = async () => {
      await tocsin.logs.writer.flush();
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
    };
    const ship = async (times: number[]) => {
      const lines = times.map((t, i) => ({
        time: new Date(t).toISOString(),
        source: 'apache',
        message: `10.0.0.${i % 250} - - "GET /item/${i} HTTP/1.1" 200 ${512 + i}`,
      }));
      const res = await tocsin.http.fetch(
        new Request('http://tocsin.test/api/logs', {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
          body: lines.map((l) => JSON.stringify(l)).join('\n'),
        }),
      );
      assert.equal(res.status, 200, await res.text());
    };
    const readS3 = async (key: string) => {
      const c = s3ClientFor({
        bucket: 'apache-log-archive',
        prefix: '',
        region: 'us-east-1',
        endpoint,
        pathStyle: true,
      });
      const r = await c.send(new GetObjectCommand({ Bucket: 'apache-log-archive', Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    };

    it('exports yesterday in Japan time at midnight JST, and only yesterday', async () => {
      const dayStart = Date.parse('2026-12-05T15:00:00Z'); // 2026-12-06 00:00 JST
      await ship([dayStart - 1, dayStart, dayStart + 10 * HOUR, dayStart + 24 * HOUR - 1000]);
      await settle();
      // The job's first day is the day before it was made: its one line (a millisecond before midnight) is written.
      type Run = { written: { day: string; lines: number }[] };
      const first = (await call(tocsin, 'GET', '/api/archives/apache-daily/runs')).json.runs as Run[];
      assert.deepEqual(
        first.flatMap((r) => r.written.map((w) => `${w.day} ${w.lines}`)),
        ['2026-12-05 1'],
      );
      clock.set(Date.parse('2026-12-06T15:00:05Z'));
      await settle();
      const manifest = JSON.parse((await readS3('apache/apache-access/2026-12-06/manifest.json')).toString());
      assert.equal(manifest.start, '2026-12-06T00:00:00+09:00');
      assert.equal(manifest.lines, 3);
      const lines = gunzipSync(await readS3('apache/apache-access/2026-12-06/part-0001.ndjson.gz'))
        .toString()
        .trim()
        .split('\n');
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).time),
        [dayStart, dayStart + 10 * HOUR, dayStart + 24 * HOUR - 1000].map((t) => new Date(t).toISOString()),
      );
      const days = (await call(tocsin, 'GET', '/api/archives/apache-daily/days')).json.days;
      assert.deepEqual(
        days.map((d: { day: string; state: string }) => `${d.day} ${d.state}`),
        ['2026-12-05 archived', '2026-12-06 archived'],
      );
    });

    it('a night the bucket refuses: archive.failed on the topic, then the day is written on a retry', async () => {
      await ship([Date.parse('2026-12-06T16:00:00Z')]);
      await settle();
      const dir = path.join(s3dir, 'apache-log-archive');
      const moved = `${dir}.away`;
      (await import('node:fs')).renameSync(dir, moved);
      hook.requests.length = 0;
      clock.set(Date.parse('2026-12-07T15:00:05Z'));
      await settle();
      await tocsin.outbox.runOnce();
      assert.equal(hook.requests.length, 1, hook.requests.map((r) => r.body).join('\n'));
      const event = JSON.parse(hook.requests[0]!.body);
      assert.match(JSON.stringify(event), /archive\.failed/);
      assert.match(JSON.stringify(event), /2026-12-07/);
      (await import('node:fs')).renameSync(moved, dir);
      clock.advance(5 * 60_000 + 1000);
      await settle();
      const manifest = JSON.parse((await readS3('apache/apache-access/2026-12-07/manifest.json')).toString());
      assert.equal(manifest.lines, 1);
    });
  });
}
