/**
 * Reads a source's text (a URL through undici, a file, an S3 object through
 * GetObject) and turns it into the `monitors` of a config document, each
 * tagged `source: <name>` so that what a source made can be told apart.
 * Failures are thrown as errors whose message says where and why
 * (`source servers: https://…: answered 503`).
 */
import { readFile } from 'node:fs/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { describeS3Error, s3ClientFor } from '../../core/s3-client.js';
import { whereOf, type SourceFormat, type SourceSpec } from './source-config.js';

/** Larger lists are refused: a source is a list of monitors, not a data set. */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export class SourceReadError extends Error {
  constructor(source: string, message: string) {
    super(`source ${source}: ${message}`);
    this.name = 'SourceReadError';
  }
}

async function readUrl(url: string, signal: AbortSignal): Promise<string> {
  const res = await request(url, { method: 'GET', signal });
  if (res.statusCode < 200 || res.statusCode > 299) {
    await res.body.dump();
    throw new Error(`answered ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_SOURCE_BYTES) {
      res.body.destroy();
      throw new Error(`larger than ${MAX_SOURCE_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readS3(spec: NonNullable<SourceSpec['s3']>, signal: AbortSignal): Promise<string> {
  const { location, key } = spec;
  const r = await s3ClientFor(location).send(new GetObjectCommand({ Bucket: location.bucket, Key: key }), {
    abortSignal: signal,
  });
  if ((r.ContentLength ?? 0) > MAX_SOURCE_BYTES) throw new Error(`larger than ${MAX_SOURCE_BYTES} bytes`);
  return (await r.Body?.transformToString('utf8')) ?? '';
}

/** The text of a source, whichever kind of place it is read from. */
export async function readSourceText(spec: SourceSpec, timeoutMs = TIMEOUT_MS): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const where = whereOf(spec);
  try {
    if (spec.url) return await readUrl(spec.url, signal);
    if (spec.file) {
      const text = await readFile(spec.file, { encoding: 'utf8', signal });
      if (Buffer.byteLength(text) > MAX_SOURCE_BYTES) throw new Error(`larger than ${MAX_SOURCE_BYTES} bytes`);
      return text;
    }
    return await readS3(spec.s3!, signal);
  } catch (err) {
    if (spec.s3 && !(err instanceof Error && /^larger than/.test(err.message)))
      throw new SourceReadError(spec.name, describeS3Error(err, where));
    const e = err as NodeJS.ErrnoException;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message);
    throw new SourceReadError(spec.name, `${where}: ${why}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function detect(doc: Record<string, unknown>): SourceFormat | undefined {
  if ('version' in doc) return 'tocsin';
  if ('servers' in doc) return 'servers';
  return undefined;
}

/** A server entry (`{name, url}`, and any monitor field it gives itself) as an http monitor with the defaults. */
function serverMonitor(entry: unknown, i: number, spec: SourceSpec, fail: (m: string) => never): unknown {
  if (!isObject(entry)) return fail(`servers.${i}: an object with name and url`);
  if (typeof entry.name !== 'string' || entry.name === '') return fail(`servers.${i}.name: required (a text)`);
  if (typeof entry.url !== 'string' || entry.url === '') return fail(`servers.${i}.url: required (a URL)`);
  return { type: 'http', ...spec.defaults, ...entry };
}

/**
 * The monitors a source's text declares, tagged with the source's name.
 * Only `monitors` may come from a source: another section is refused by name.
 */
export function monitorsOfText(text: string, spec: SourceSpec): { format: SourceFormat; monitors: unknown[] } {
  const fail = (message: string): never => {
    throw new SourceReadError(spec.name, message);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return fail(`not JSON or YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(doc)) return fail('the object must be a mapping (`{"servers": […]}`, or a file with `version: 1`)');
  const format = spec.format ?? detect(doc);
  if (!format) return fail('neither `version:` (a Tocsin config) nor `servers:` (a server list) is at the top');
  let monitors: unknown[];
  if (format === 'servers') {
    if (!Array.isArray(doc.servers)) return fail('servers: a list of {name, url}');
    const other = Object.keys(doc).find((k) => k !== 'servers');
    if (other) return fail(`${other}: a server list holds only servers`);
    monitors = doc.servers.map((entry, i) => serverMonitor(entry, i, spec, fail));
  } else {
    const other = Object.keys(doc).find((k) => k !== 'version' && k !== 'monitors');
    if (other) return fail(`${other}: only the monitors section may come from a source (found ${other})`);
    if (doc.version !== 1) return fail('version: 1 is the only format of the file');
    if (doc.monitors !== undefined && !Array.isArray(doc.monitors)) return fail('monitors: a list of monitors');
    monitors = (doc.monitors as unknown[] | undefined) ?? [];
  }
  return {
    format,
    monitors: monitors.map((m) => {
      if (!isObject(m)) return m;
      const tags = isObject(m.tags) ? m.tags : {};
      return { ...m, tags: { ...tags, source: spec.name } };
    }),
  };
}
