/**
 * Object checks (seed 004): an object in S3-compatible storage (a HEAD) or
 * a file on disk (a stat) must exist, be no older than `maxAge` and no
 * smaller than `minSize`. `{date:…}` placeholders in the key or path are
 * filled in the probe's time zone for the cron time being checked.
 */
import { stat } from 'node:fs/promises';
import { type ObjectProbeSpec, parseDuration } from '@tocsin/protocol';
import { type ObjectHead, describeS3Error, headS3Object, s3Key } from '../../core/s3-client.js';
import { fillDateTemplate } from '../../core/zoned-dates.js';
import { type Probe, type ProbeContext, type ProbeResult, describeTimeout, ms } from '@tocsin/protocol/probes';

/** "5 s", "12 min", "3 h", "2 d": rounded down, as a person reads an age. */
export function describeAge(ageMs: number): string {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** "1 B", "2 KiB", "1.5 MiB". */
export function describeSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : +n.toFixed(1)} ${units[i]}`;
}

/** What the key or path names, for reasons: `s3://bucket/prefix/2019-12-07/evidence.txt` or the file path. */
export function objectName(spec: ObjectProbeSpec, at: number): string {
  const filled = fillDateTemplate(spec.path ?? spec.key ?? '', at, spec.timezone);
  if (spec.path !== undefined) return filled;
  const loc = spec.s3!;
  return `s3://${loc.bucket}/${s3Key(loc, filled)}`;
}

type Found = { head: ObjectHead | null } | { problem: string };

async function headFile(path: string): Promise<Found> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return { problem: `${path} is not a file` };
    return { head: { size: st.size, modifiedAt: st.mtimeMs } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { head: null };
    if (code === 'EACCES' || code === 'EPERM') return { problem: `${path}: permission denied` };
    return { problem: `${path}: ${(err as Error).message}` };
  }
}

async function headObject(spec: ObjectProbeSpec, at: number, signal: AbortSignal): Promise<Found> {
  const loc = spec.s3!;
  const key = s3Key(loc, fillDateTemplate(spec.key ?? '', at, spec.timezone));
  try {
    return { head: await headS3Object(loc, key, signal) };
  } catch (err) {
    return { problem: describeS3Error(err, `s3://${loc.bucket}/${key}`) };
  }
}

/** Why a found object is not good enough, or null. */
function fault(spec: ObjectProbeSpec, head: ObjectHead, ageMs: number): string | null {
  const maxAgeMs = spec.maxAge === undefined ? undefined : parseDuration(spec.maxAge);
  if (maxAgeMs !== undefined && ageMs > maxAgeMs)
    return `is ${describeAge(ageMs)} old, older than ${describeAge(maxAgeMs)}`;
  if (spec.minSize !== undefined && head.size < spec.minSize)
    return `is ${head.size} byte${head.size === 1 ? '' : 's'}, smaller than ${describeSize(spec.minSize)}`;
  return null;
}

async function run(spec: ObjectProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  const now = ctx.now ?? Date.now();
  const at = ctx.slotAt ?? now;
  const name = objectName(spec, at);
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  const found = await (spec.path !== undefined ? headFile(name) : headObject(spec, at, signal));
  const timings = { totalMs: ms(performance.now() - started) };
  if (timeout.aborted) return { up: false, reason: `${name}: ${describeTimeout(ctx.timeoutMs)}`, timings };
  if ('problem' in found) return { up: false, reason: found.problem, timings };
  if (!found.head) return { up: false, reason: `${name} not found`, timings };
  const ageMs = Math.max(0, now - found.head.modifiedAt);
  const why = fault(spec, found.head, ageMs);
  if (why) return { up: false, reason: `${name} ${why}`, timings };
  const size = found.head.size;
  return { up: true, reason: `found, ${size} byte${size === 1 ? '' : 's'}, ${describeAge(ageMs)} old`, timings };
}

export const objectProbe: Probe<ObjectProbeSpec> = { type: 'object', run };
