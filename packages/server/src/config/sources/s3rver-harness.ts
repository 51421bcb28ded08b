/**
 * Test support: a real S3-compatible server (s3rver) on 127.0.0.1 with the
 * given buckets, and the location fields that reach it. s3rver ships no
 * types; it is loaded by a name held in a variable so that none are needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../core/s3-client.js';
import { s3LocationSchema, type S3Location } from '@tocsin/protocol';

const MODULE = 's3rver';

export interface S3Harness {
  /** The location fields (endpoint, path style, the server's keys) for `bucket`. */
  location(bucket: string): S3Location & { accessKeyId: string; secretAccessKey: string };
  put(bucket: string, key: string, body: string): Promise<void>;
  close(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<S3Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-s3-'));
  const { default: S3rver } = (await import(MODULE)) as {
    default: new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  };
  const srv = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await srv.run();
  const location = (bucket: string) =>
    s3LocationSchema.parse({
      bucket,
      endpoint: `http://127.0.0.1:${port}`,
      pathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    }) as S3Location & { accessKeyId: string; secretAccessKey: string };
  return {
    location,
    async put(bucket, key, body) {
      await s3ClientFor(location(bucket)).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
