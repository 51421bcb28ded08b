/**
 * Where an archive writes: one small interface, one file per kind (a directory, S3-compatible storage), and
 * the registry below keyed by `type`. Keys are relative (`<group>/<day>/part-0001.ndjson.gz`); a destination
 * puts them under its own path or prefix.
 */
import type { Readable } from 'node:stream';
import type { ArchiveDestination } from '@tocsin/protocol';
import { directoryDestination } from './directory-destination.js';
import { s3Destination } from './s3-destination.js';

export interface StoredObject {
  key: string;
  size: number;
}

export interface ArchiveStore {
  /** `s3://bucket/prefix` or the directory, for records and messages. */
  readonly where: string;
  /** Writes `body` as `key` (replacing it) in bounded memory; it appears whole or not at all. */
  write(key: string, body: Readable): Promise<void>;
  /** Objects whose key starts with `prefix`. */
  list(prefix: string): Promise<StoredObject[]>;
  /** The object's bytes, or null when it does not exist. */
  read(key: string): Promise<Readable | null>;
  remove(keys: readonly string[]): Promise<void>;
}

export function archiveStoreFor(d: ArchiveDestination): ArchiveStore {
  return d.type === 'directory' ? directoryDestination(d) : s3Destination(d);
}

/** A group's folder: its name without leading slashes, a segment of only dots made harmless. */
export function groupFolder(group: string): string {
  return group
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (/^\.+$/.test(s) ? s.replace(/\./g, '%2E') : s))
    .join('/');
}

/** The folder of one day of one group. */
export function dayFolder(group: string, day: string): string {
  return `${groupFolder(group)}/${day}/`;
}

export function partName(n: number): string {
  return `part-${String(n).padStart(4, '0')}.ndjson.gz`;
}

export const MANIFEST = 'manifest.json';
