import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { ArchiveManifest } from '@tocsin/protocol';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { s3ClientFor } from '../core/s3-client.js';
import { sampleEvents } from '../test-support/sample-log-lines.js';
import { TestReceiver } from '../test-support/scripted-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const HOUR = 3600_000;
const origin = { format: 'tocsin' };

for (const variant of await testDatabases()) {
  describe(`archive jobs on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let s3: S3rver;
    let s3dir: string;
    let dir: string;
    let endpoint: string;
    let hook: TestReceiver;
    // 2026-02-08 00:00:30 JST: the 7th has just ended in Tokyo.
    const clock = new FakeClock(Date.parse('2026-02-07T15:00:30Z'));
    const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', pathStyle: true, region: 'us-east-1' };

    before(async () => {
      s3dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-s3-'));
      dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-archive-'));
      s3 = new S3rver({
        port: 0,
        address: '127.0.0.1',
        directory: s3dir,
        silent: true,
        configureBuckets: [{ name: 'logs-archive', configs: [] }],
      });
      const { port } = await s3.run();
      endpoint = `http://127.0.0.1:${port}`;
      hook = await TestReceiver.start();
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const topic = await call(tocsin, 'PUT', '/api/topics/archive-alerts', {
        subscriptions: [{ protocol: 'webhook', endpoint: `${hook.url}/hook` }],
      });
      assert.ok(topic.status < 300, topic.text);
    });
    after(async () => {
      await dispose();
      await s3.close();
      await hook.close();
      rmSync(s3dir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    });

    const settle = async () => {
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
    };
    const ingest = (group: string, times: number[]) => {
      const events = sampleEvents(times.length, { group, kind: 'apache' }).map((e, i) => ({
        ...e,
        time: times[i]!,
        observedTime: times[i]!,
      }));
      tocsin.logs.pipeline.accept(events, origin, 100 * events.length, clock.now());
      return events;
    };
    const readDay = (root: string, group: string, day: string) => {
      const folder = path.join(root, group, day);
      const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as ArchiveManifest;
      const lines = manifest.parts.flatMap((p) =>
        gunzipSync(readFileSync(path.join(folder, p.name)))
          .toString('utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      );
      return { manifest, lines, files: readdirSync(folder).sort() };
    };

    it("exports seed 000's Tokyo day, 00:00:00 to 23:59:59 JST, with a manifest, on its schedule", async () => {
      const day = Date.parse('2026-02-06T15:00:00Z');
      ingest('apache-access', [day - 1000, day, day + 12 * HOUR, day + 24 * HOUR - 1, day + 24 * HOUR]);
      await tocsin.logs.writer.flush();
      const put = await call(tocsin, 'PUT', '/api/archives/apache-daily', {
        groups: ['apache-*'],
        timezone: 'Asia/Tokyo',
        destination: { type: 'directory', path: dir },
        topics: ['archive-alerts'],
      });
      assert.equal(put.status, 201, put.text);
      assert.equal(put.json.daysPending, 1, put.text);
      await settle();
      const { manifest, lines, files } = readDay(dir, 'apache-access', '2026-02-07');
      assert.deepEqual(files, ['manifest.json', 'part-0001.ndjson.gz']);
      assert.equal(manifest.start, '2026-02-07T00:00:00+09:00');
      assert.equal(manifest.end, '2026-02-08T00:00:00+09:00');
      assert.equal(manifest.lines, 3, 'the line a second before and the one at the next midnight are not the day’s');
      assert.deepEqual(
        lines.map((l) => l.time),
        [day, day + 12 * HOUR, day + 24 * HOUR - 1].map((t) => new Date(t).toISOString()),
      );
      assert.match(manifest.parts[0]!.sha256, /^[0-9a-f]{64}$/);
      const runs = await call(tocsin, 'GET', '/api/archives/apache-daily/runs');
      assert.equal(runs.json.runs[0].state, 'succeeded');
      assert.deepEqual(
        runs.json.runs[0].written.map((w: { day: string }) => w.day),
        ['2026-02-07'],
      );
      const job = await call(tocsin, 'GET', '/api/archives/apache-daily');
      assert.equal(job.json.daysPending, 0);
      assert.equal(job.json.nextRunAt, '2026-02-08T15:00:00.000Z', 'the next midnight in Tokyo');
      assert.equal(job.json.daysArchived, 1);
    });

    it('re-running a day replaces its parts and manifest, never duplicating a line', async () => {
      const day = Date.parse('2026-02-06T15:00:00Z');
      ingest(
        'apache-access',
        Array.from({ length: 2000 }, (_, i) => day + 3 * HOUR + i * 1000),
      );
      await call(tocsin, 'PUT', '/api/archives/apache-daily', {
        groups: ['apache-*'],
        timezone: 'Asia/Tokyo',
        destination: { type: 'directory', path: dir },
        partSize: 4096,
      });
      const run = await call(tocsin, 'POST', '/api/archives/apache-daily/run', {
        from: '2026-02-07',
        to: '2026-02-07',
      });
      assert.equal(run.status, 202, run.text);
      await settle();
      const many = readDay(dir, 'apache-access', '2026-02-07');
      assert.equal(many.manifest.lines, 2003);
      assert.ok(many.manifest.parts.length > 3, `${many.manifest.parts.length} parts`);
      await call(tocsin, 'PUT', '/api/archives/apache-daily', {
        groups: ['apache-*'],
        timezone: 'Asia/Tokyo',
        destination: { type: 'directory', path: dir },
      });
      await call(tocsin, 'POST', '/api/archives/apache-daily/run', { from: '2026-02-07', to: '2026-02-07' });
      await settle();
      const one = readDay(dir, 'apache-access', '2026-02-07');
      assert.deepEqual(one.files, ['manifest.json', 'part-0001.ndjson.gz'], 'the earlier parts are gone');
      assert.equal(one.lines.length, 2003);
      assert.equal(new Set(one.lines.map((l) => `${l.time} ${l.message}`)).size, one.lines.length);
      await call(tocsin, 'PUT', '/api/archives/apache-daily', {
        groups: ['apache-*'],
        timezone: 'Asia/Tokyo',
        destination: { type: 'directory', path: dir },
        paused: true,
      });
    });

    it('refuses bad jobs and runs with 400s naming the field', async () => {
      const bad = async (body: object, field: RegExp) => {
        const r = await call(tocsin, 'PUT', '/api/archives/bad', body);
        assert.equal(r.status, 400, r.text);
        assert.match(r.text, field);
      };
      const dest = { type: 'directory', path: dir };
      await bad({ groups: ['x'], timezone: 'Mars/Olympus', destination: dest }, /timezone/);
      await bad({ groups: ['x'], schedule: '61 * * * *', destination: dest }, /schedule/);
      await bad({ groups: [], destination: dest }, /groups/);
      await bad({ groups: ['x'], destination: { type: 's3', bucket: 'B' } }, /destination\.bucket/);
      await bad({ groups: ['x'], destination: dest, topics: ['nope'] }, /topics\.0/);
      const r1 = await call(tocsin, 'POST', '/api/archives/apache-daily/run', { from: '2026-02-07' });
      assert.equal(r1.status, 400);
      assert.match(r1.text, /"to"/);
      const r2 = await call(tocsin, 'POST', '/api/archives/apache-daily/run', { from: '2026-02-08', to: '2026-02-08' });
      assert.equal(r2.status, 400, 'today has not ended in Tokyo');
      assert.equal((await call(tocsin, 'POST', '/api/archives/nope/run', {})).status, 404);
    });

    it('exports 23- and 25-hour New York days to S3, and catches up on the days missed while down', async () => {
      clock.set(Date.parse('2026-03-07T12:00:00Z'));
      const hourly = (from: string, to: string) => {
        const out: number[] = [];
        for (let t = Date.parse(from); t < Date.parse(to); t += HOUR) out.push(t);
        return out;
      };
      ingest('ny-web', hourly('2026-03-07T05:00:00Z', '2026-03-11T04:00:00Z'));
      await tocsin.logs.writer.flush();
      const put = await call(tocsin, 'PUT', '/api/archives/ny', {
        groups: ['ny-web'],
        timezone: 'America/New_York',
        destination: { type: 's3', bucket: 'logs-archive', prefix: 'tocsin/', endpoint, ...creds },
      });
      assert.equal(put.status, 201, put.text);
      await settle();
      // Down for three days: the clock moves on without the scheduler.
      clock.set(Date.parse('2026-03-11T05:00:10Z'));
      await settle();
      const ls = await call(tocsin, 'GET', '/api/archives/ny/manifests');
      const days = ls.json.manifests.map((m: ArchiveManifest) => [m.day, m.lines]);
      assert.deepEqual(days, [
        ['2026-03-07', 24],
        ['2026-03-08', 23],
        ['2026-03-09', 24],
        ['2026-03-10', 24],
      ]);
      // Paused while the clock jumps to November: the fall day is asked for by a run of its own.
      const spec = {
        groups: ['ny-web'],
        timezone: 'America/New_York',
        destination: { type: 's3', bucket: 'logs-archive', prefix: 'tocsin/', endpoint, ...creds },
      };
      await call(tocsin, 'PUT', '/api/archives/ny', { ...spec, paused: true });
      clock.set(Date.parse('2026-11-02T05:00:10Z'));
      ingest('ny-web', hourly('2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'));
      await tocsin.logs.writer.flush();
      const run = await call(tocsin, 'POST', '/api/archives/ny/run', { from: '2026-11-01', to: '2026-11-01' });
      assert.equal(run.status, 202, run.text);
      await settle();
      const fall = (await call(tocsin, 'GET', '/api/archives/ny/manifests')).json.manifests.find(
        (m: ArchiveManifest) => m.day === '2026-11-01',
      );
      assert.equal(fall.lines, 25);
      assert.equal(fall.start, '2026-11-01T00:00:00-04:00');
      assert.equal(fall.end, '2026-11-02T00:00:00-05:00');
      const objects = '/api/archives/ny/objects?group=ny-web&day=2026-11-01';
      const obj = await call(tocsin, 'GET', `${objects}&part=manifest.json`);
      assert.equal(obj.status, 200);
      assert.equal(JSON.parse(obj.text).lines, 25);
    });

    it('a refusing bucket: archive.failed to the topic, the day held past retention, a retry that works', async () => {
      clock.set(Date.parse('2026-06-01T00:30:00Z'));
      const start = Date.parse('2026-05-31T00:00:00Z');
      await call(tocsin, 'PUT', '/api/log-groups/billing', { retentionDays: 1 });
      ingest('billing', [start + HOUR, start + 2 * HOUR]);
      await tocsin.logs.writer.flush();
      const put = await call(tocsin, 'PUT', '/api/archives/billing', {
        groups: ['billing'],
        since: '2026-05-31',
        destination: { type: 's3', bucket: 'not-there-yet', endpoint, ...creds },
        topics: ['archive-alerts'],
        retryAfter: '5m',
      });
      assert.equal(put.status, 201, put.text);
      hook.requests.length = 0;
      await settle();
      const days = (await call(tocsin, 'GET', '/api/archives/billing/days')).json.days;
      assert.equal(days[0].state, 'failed', JSON.stringify(days));
      assert.match(days[0].error, /no such bucket|NoSuchBucket/);
      await tocsin.outbox.runOnce();
      assert.equal(hook.requests.length, 1, 'archive.failed delivered');
      assert.match(hook.requests[0]!.body, /archive.failed/);
      // Retention would drop the 31st after a day; the archive holds it.
      clock.set(Date.parse('2026-06-03T00:00:00Z'));
      await tocsin.logs.retention![0]!.prune(clock.now());
      const kept = await call(
        tocsin,
        'GET',
        '/api/logs/query?group=billing&start=2026-05-31T00:00:00Z&end=2026-06-01T00:00:00Z',
      );
      assert.equal(kept.json.events.length, 2, kept.text);
      await s3ClientFor({ bucket: 'not-there-yet', prefix: '', endpoint, ...creds }).send(
        new CreateBucketCommand({ Bucket: 'not-there-yet' }),
      );
      await settle();
      const after = (await call(tocsin, 'GET', '/api/archives/billing/days')).json.days;
      assert.ok(
        after.every((d: { state: string }) => d.state === 'archived'),
        JSON.stringify(after),
      );
      await tocsin.logs.retention![0]!.prune(clock.now());
      const gone = await call(
        tocsin,
        'GET',
        '/api/logs/query?group=billing&start=2026-05-31T00:00:00Z&end=2026-06-01T00:00:00Z',
      );
      assert.equal(gone.json.events.length, 0, 'pruned once archived');
    });
  });
}
