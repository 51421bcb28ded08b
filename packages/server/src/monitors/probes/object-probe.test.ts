import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeSpecSchema, type ProbeSpecInput } from '@tocsin/protocol';
import { startS3TestServer, type S3TestServer } from '../../test-support/s3-test-server.js';
import { describeAge, describeSize } from './object-probe.js';
import { runProbe } from './probe-registry.js';

const BUCKET = 'evidence-bkt';
/** 2019-12-07 08:00 in Tokyo, when it is still the 6th in UTC (23:00). */
const SLOT = Date.UTC(2019, 11, 6, 23, 0);

function check(spec: ProbeSpecInput, ctx: { now?: number; slotAt?: number } = {}) {
  return runProbe(probeSpecSchema.parse(spec), { timeoutMs: 5_000, ...ctx });
}

describe('object probe on an S3-compatible server', () => {
  let s3: S3TestServer;
  before(async () => {
    s3 = await startS3TestServer([BUCKET]);
  });
  after(() => s3.close());

  it('is down while the key is missing and up once it appears', async () => {
    const spec = { type: 'object' as const, s3: s3.location(BUCKET), key: 'appears/evidence.txt' };
    const missing = await check(spec);
    assert.equal(missing.up, false);
    assert.equal(missing.reason, `s3://${BUCKET}/appears/evidence.txt not found`);
    await s3.put(BUCKET, 'appears/evidence.txt', 'done');
    const found = await check(spec);
    assert.equal(found.up, true, found.reason);
    assert.match(found.reason, /^found, 4 bytes, \d+ s old$/);
  });

  it("fills the date of the slot in the probe's time zone, not the date of now in UTC", async () => {
    await s3.put(BUCKET, 'jobs/2019-12-07/evidence.txt', 'ok');
    // 08:00 in Tokyo on the 7th is still the 6th in UTC: the key is the Tokyo date.
    const spec = {
      type: 'object' as const,
      s3: s3.location(BUCKET, 'jobs'),
      key: '{date:YYYY-MM-DD}/evidence.txt',
      timezone: 'Asia/Tokyo',
    };
    const r = await check(spec, { slotAt: SLOT, now: Date.now() });
    assert.equal(r.up, true, r.reason);
    const inUtc = await check({ ...spec, timezone: 'UTC' }, { slotAt: SLOT, now: Date.now() });
    assert.equal(inUtc.reason, `s3://${BUCKET}/jobs/2019-12-06/evidence.txt not found`);
  });

  it('is down when the object is older than maxAge or smaller than minSize', async () => {
    await s3.put(BUCKET, 'empty.txt', '');
    const loc = s3.location(BUCKET);
    const small = await check({ type: 'object', s3: loc, key: 'empty.txt', minSize: 1 });
    assert.equal(small.reason, `s3://${BUCKET}/empty.txt is 0 bytes, smaller than 1 B`);
    const old = await check(
      { type: 'object', s3: loc, key: 'empty.txt', maxAge: '1h' },
      { now: Date.now() + 3 * 3600_000 + 60_000 },
    );
    assert.equal(old.reason, `s3://${BUCKET}/empty.txt is 3 h old, older than 1 h`);
  });

  it('says what the storage answered when the bucket does not exist', async () => {
    const r = await check({ type: 'object', s3: s3.location('no-such-bkt'), key: 'x.txt' });
    assert.equal(r.up, false);
    // A HEAD has no body: s3rver's 404 for the bucket reads as a missing object, another answer as its code.
    assert.match(r.reason, /^s3:\/\/no-such-bkt\/x\.txt/);
  });

  it('is down with a reason when nothing listens at the endpoint', async () => {
    const loc = { ...s3.location(BUCKET), endpoint: 'http://127.0.0.1:9' };
    const r = await check({ type: 'object', s3: loc, key: 'x.txt' });
    assert.equal(r.up, false);
    assert.match(r.reason, /^s3:\/\/evidence-bkt\/x\.txt: /);
  });
});

describe('object probe on files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tocsin-object-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is down while the file is missing, too old or too small, and up once a good one is there', async () => {
    const file = path.join(dir, 'batch', '{date:YYYYMMDD}.done');
    const spec = { type: 'object' as const, path: file, timezone: 'Asia/Tokyo', maxAge: '1h', minSize: 2 };
    const real = path.join(dir, 'batch', '20191207.done');
    const now = SLOT + 30 * 60_000;
    assert.equal((await check(spec, { slotAt: SLOT, now })).reason, `${real} not found`);
    await mkdir(path.dirname(real), { recursive: true });
    await writeFile(real, 'x');
    await utimes(real, new Date(now - 60_000), new Date(now - 60_000));
    assert.equal((await check(spec, { slotAt: SLOT, now })).reason, `${real} is 1 byte, smaller than 2 B`);
    await writeFile(real, 'ok\n');
    await utimes(real, new Date(now - 5 * 3600_000), new Date(now - 5 * 3600_000));
    assert.equal((await check(spec, { slotAt: SLOT, now })).reason, `${real} is 5 h old, older than 1 h`);
    await utimes(real, new Date(now - 5 * 60_000), new Date(now - 5 * 60_000));
    const up = await check(spec, { slotAt: SLOT, now });
    assert.deepEqual([up.up, up.reason], [true, 'found, 3 bytes, 5 min old']);
  });

  it('says so when the path is a directory', async () => {
    const r = await check({ type: 'object', path: dir });
    assert.deepEqual([r.up, r.reason], [false, `${dir} is not a file`]);
  });
});

describe('object probe wording', () => {
  it('rounds ages and sizes down to what a person reads', () => {
    assert.deepEqual([0, 59_999, 60_000, 3 * 3600_000 + 1, 2 * 86_400_000].map(describeAge), [
      '0 s',
      '59 s',
      '1 min',
      '3 h',
      '2 d',
    ]);
    assert.deepEqual([1, 1023, 2048, 1536 * 1024].map(describeSize), ['1 B', '1023 B', '2 KiB', '1.5 MiB']);
  });
});
