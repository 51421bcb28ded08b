/**
 * A real S3-compatible server for tests (s3rver), on 127.0.0.1 with a
 * throwaway directory, and the location of its buckets as Tocsin's config
 * writes one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Location } from '@tocsin/protocol';
import { s3ClientFor } from '../core/s3-client.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver ships no type declarations; this is the part of it the tests use.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface S3TestServer {
  endpoint: string;
  /** The location of `bucket`, as a config file's `s3:` (path-style, s3rver's keys). */
  location(bucket: string, prefix?: string): S3Location;
  /** Writes an object (a batch job's evidence file). */
  put(bucket: string, key: string, body: string): Promise<void>;
  close(): Promise<void>;
}

export async function startS3TestServer(buckets: string[]): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'tocsin-s3-'));
  const srv = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await srv.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const location = (bucket: string, prefix = ''): S3Location => ({
    bucket,
    prefix,
    endpoint,
    region: 'us-east-1',
    pathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  return {
    endpoint,
    location,
    async put(bucket, key, body) {
      await s3ClientFor(location(bucket)).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      await srv.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
