/**
 * An archive in S3-compatible storage. An object is sent in one PUT when small, else as a multipart upload of
 * 8 MiB parts, one in flight while the next fills: memory stays at about two parts whatever the day's size.
 * A failed multipart upload is aborted, so no half object is left behind.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { ArchiveDestination } from '@tocsin/protocol';
import { s3ClientFor, s3Key } from '../../core/s3-client.js';
import type { ArchiveStore, StoredObject } from './archive-destination.js';

type S3Spec = Extract<ArchiveDestination, { type: 's3' }>;

/** S3's smallest part but the last is 5 MiB. */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** Chunks of `size` bytes (the last one shorter) from a byte stream. */
async function* chunksOf(body: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    let chunk = c;
    while (have + chunk.length >= size) {
      const take = size - have;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      have = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length) {
      parts.push(chunk);
      have += chunk.length;
    }
  }
  if (have > 0 || parts.length) yield Buffer.concat(parts);
}

export function s3Destination(spec: S3Spec): ArchiveStore {
  const client = s3ClientFor(spec);
  const Bucket = spec.bucket;
  const keyOf = (key: string) => s3Key(spec, key);
  const strip = (full: string) => (spec.prefix ? full.slice(keyOf('').length) : full);

  async function multipart(Key: string, first: Buffer, rest: AsyncGenerator<Buffer>): Promise<void> {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const done: CompletedPart[] = [];
    let inFlight: Promise<void> | undefined;
    const send = (PartNumber: number, Body: Buffer) =>
      client
        .send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }))
        .then((r) => void done.push({ PartNumber, ETag: r.ETag }));
    try {
      let n = 1;
      inFlight = send(n, first);
      for await (const chunk of rest) {
        await inFlight;
        inFlight = send(++n, chunk);
      }
      await inFlight;
      done.sort((a, b) => a.PartNumber! - b.PartNumber!);
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: done } }),
      );
    } catch (err) {
      await inFlight?.catch(() => {});
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw err;
    }
  }

  return {
    where: `s3://${Bucket}/${spec.prefix}`,
    async write(key, body) {
      const Key = keyOf(key);
      const chunks = chunksOf(body, UPLOAD_PART_BYTES);
      const first = await chunks.next();
      const firstChunk = first.done ? Buffer.alloc(0) : first.value;
      if (firstChunk.length < UPLOAD_PART_BYTES) {
        await client.send(new PutObjectCommand({ Bucket, Key, Body: firstChunk }));
        return;
      }
      const second = await chunks.next();
      if (second.done) {
        await client.send(new PutObjectCommand({ Bucket, Key, Body: firstChunk }));
        return;
      }
      async function* rest(): AsyncGenerator<Buffer> {
        yield second.value as Buffer;
        yield* chunks;
      }
      await multipart(Key, firstChunk, rest());
    },
    async list(prefix) {
      const out: StoredObject[] = [];
      let ContinuationToken: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket, Prefix: keyOf(prefix), ContinuationToken }));
        for (const o of r.Contents ?? []) if (o.Key) out.push({ key: strip(o.Key), size: o.Size ?? 0 });
        ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },
    async read(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
        return r.Body as Readable;
      } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
        throw err;
      }
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const Objects = keys.slice(i, i + 1000).map((k) => ({ Key: keyOf(k) }));
        if (Objects.length) await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
      }
    },
  };
}
