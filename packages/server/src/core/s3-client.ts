/**
 * The one place that builds S3 clients (`@aws-sdk/client-s3`), for the archive, object checks and monitor
 * lists read from a bucket. Failures become one-line reasons a person can act on.
 */
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Location } from '@tocsin/protocol';

// Node 20 is supported by the SDK versions this lockfile holds; its start-up notice about later versions
// would otherwise be printed on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const clients = new Map<string, S3Client>();

/** A client for `loc` (shared between callers with the same endpoint, region and credentials). */
export function s3ClientFor(loc: S3Location): S3Client {
  const key = JSON.stringify([loc.endpoint, loc.region, loc.pathStyle, loc.accessKeyId, loc.sessionToken, loc.profile]);
  let client = clients.get(key);
  if (!client) {
    client = new S3Client({
      region: loc.region,
      endpoint: loc.endpoint,
      forcePathStyle: loc.pathStyle,
      profile: loc.profile,
      // Tocsin retries whole runs itself, with its own backoff and record of each attempt.
      maxAttempts: 2,
      credentials:
        loc.accessKeyId && loc.secretAccessKey
          ? { accessKeyId: loc.accessKeyId, secretAccessKey: loc.secretAccessKey, sessionToken: loc.sessionToken }
          : undefined,
    });
    clients.set(key, client);
  }
  return client;
}

/** The full key of `name` under the location's prefix. */
export function s3Key(loc: S3Location, name: string): string {
  if (!loc.prefix) return name;
  return loc.prefix.endsWith('/') ? `${loc.prefix}${name}` : `${loc.prefix}/${name}`;
}

export interface ObjectHead {
  size: number;
  /** Epoch ms. */
  modifiedAt: number;
}

/** HEAD of one object: its size and time, or null when there is none. Other failures throw. */
export async function headS3Object(loc: S3Location, key: string, signal?: AbortSignal): Promise<ObjectHead | null> {
  try {
    const r = await s3ClientFor(loc).send(new HeadObjectCommand({ Bucket: loc.bucket, Key: key }), {
      abortSignal: signal,
    });
    return { size: r.ContentLength ?? 0, modifiedAt: r.LastModified?.getTime() ?? 0 };
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** "s3://bucket/key: access denied (403 AccessDenied)", for run records, events and monitor reasons. */
export function describeS3Error(err: unknown, where: string): string {
  const status = statusOf(err);
  if (err instanceof S3ServiceException || status) {
    const e = err as S3ServiceException;
    const known: Record<number, string> = {
      301: 'the bucket is in another region',
      400: 'the request was refused',
      403: 'access denied',
      404: 'no such bucket or key',
      503: 'the service is slowing requests down',
    };
    const what = (status && known[status]) || e.message || 'the request failed';
    return `${where}: ${what} (${status ?? '?'} ${e.name})`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return `${where}: connection refused`;
  if (e?.name === 'CredentialsProviderError') return `${where}: no AWS credentials found (${e.message})`;
  return `${where}: ${e?.message ?? String(err)}`;
}
