/**
 * The agent's state directory: the credential (0600), log positions and command results, each written by
 * write-then-rename so that a crash leaves the old file or the new one, never half of one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `/var/lib/tocsin-agent` for root, else `~/.local/state/tocsin-agent`. */
export function defaultStateDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/tocsin-agent';
  return path.join(os.homedir(), '.local', 'state', 'tocsin-agent');
}

/** Creates the directory (0700) if it is missing. */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes `value` as JSON to `file` atomically, with `mode` (0600 by default). */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode });
  renameSync(tmp, file);
}

/** The parsed JSON of `file`, or undefined when it does not exist. */
export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
