/**
 * A 1 GB day (uncompressed NDJSON, about 2 million realistic access-log lines of ~500 bytes) exported with
 * exportDay to a real S3-compatible server (s3rver, in this process), in parts of 256 MiB raw, each a multipart
 * upload. The export runs in a child process that samples its RSS every 100 ms: a streaming export holds one
 * batch of events, the gzip window and two 8 MiB upload parts (about 110 MB over its baseline here); one that
 * held the day's events or lines, or a part's raw NDJSON (256 MiB, twice over as string and buffer), would pass
 * the 300 MB bound. (One that buffered only the gzip output, 25 MB a part here, would not.) Then what s3rver
 * stored is checked against the manifest: sizes by HEAD, sha256 and line counts of the downloaded parts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { ChildResult } from '../bench/archive/archive-export-child.js';
import { UPLOAD_PART_BYTES } from '../packages/server/src/archive/destinations/s3-destination.js';
import { childEnv, repoRoot, tsxArgs } from './support/server-process.js';

const MB = 1e6;
const BUCKET = 'archive-memory';
const child = path.join(repoRoot, 'bench/archive/archive-export-child.ts');

/** Runs the export child to its end; its last stdout line is the result. */
function runChild(args: string[], timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...tsxArgs, child, ...args], {
      cwd: repoRoot,
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c));
    proc.stderr.on('data', (c: Buffer) => (err += c));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`export child ended with ${code ?? signal}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/** The sha256 of a stream's bytes, and the newlines of its gunzipped bytes. */
async function digestAndCount(body: Readable): Promise<{ sha256: string; lines: number }> {
  const hash = createHash('sha256');
  const gunzip = createGunzip();
  let lines = 0;
  const counted = (async () => {
    for await (const c of gunzip as AsyncIterable<Buffer>)
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
  })();
  body.on('data', (c: Buffer) => hash.update(c));
  body.pipe(gunzip);
  await counted;
  return { sha256: hash.digest('hex'), lines };
}

describe('archive: a 1 GB day to S3 in bounded memory', () => {
  let s3: S3rver;
  let dir: string;
  let endpoint: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-s3-1gb-'));
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: dir,
      silent: true,
      configureBuckets: [{ name: BUCKET }],
    });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  });
  after(async () => {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports 1 GB in parts of 256 MiB with peak RSS under baseline + 300 MB, as the manifest says', {
    timeout: 170_000,
  }, async () => {
    const r = await runChild(
      [
        '--mode',
        'export',
        '--bytes',
        String(1e9),
        '--part-size',
        String(256 * 1024 * 1024),
        '--endpoint',
        endpoint,
        '--bucket',
        BUCKET,
        '--pool',
        '16',
      ],
      165_000,
    );
    const m = r.manifest!;
    const grown = (r.peakRss - r.baselineRss) / MB;
    console.log(
      `1 GB day: ${r.lines} lines, ${(m.rawBytes / MB).toFixed(0)} MB raw, ` +
        `${(m.storedBytes / MB).toFixed(0)} MB stored in ${m.parts.length} parts, ${r.seconds.toFixed(1)} s; ` +
        `RSS baseline ${(r.baselineRss / MB).toFixed(0)} MB, ` +
        `peak ${(r.peakRss / MB).toFixed(0)} MB (+${grown.toFixed(0)} MB) over ${r.samples} samples`,
    );
    assert.ok(m.rawBytes >= 1e9, `raw bytes ${m.rawBytes}`);
    assert.ok(grown < 300, `RSS grew ${grown.toFixed(0)} MB during the export`);
    assert.ok(r.samples > 10, `only ${r.samples} RSS samples`);
    assert.equal(m.lines, r.lines);
    assert.equal(m.parts.length, Math.ceil(m.rawBytes / (256 * 1024 * 1024)) || 1);
    assert.equal(
      m.parts.reduce((s, p) => s + p.lines, 0),
      m.lines,
    );

    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    for (const p of m.parts) {
      const Key = `bench/web/access/2026-02-07/${p.name}`;
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
      assert.equal(head.ContentLength, p.storedBytes, `${p.name}: stored size`);
      // Larger than one upload part, so the destination sent it as a multipart upload.
      assert.ok(p.storedBytes > UPLOAD_PART_BYTES, `${p.name}: ${p.storedBytes} bytes`);
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const { sha256, lines } = await digestAndCount(got.Body as Readable);
      assert.equal(sha256, p.sha256, `${p.name}: sha256`);
      assert.equal(lines, p.lines, `${p.name}: lines`);
    }
    client.destroy();
  });
});
