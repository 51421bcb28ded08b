/**
 * Runs a command with `/bin/sh -c` in a process group of its own, so that a timeout or a cancel ends everything
 * it started: SIGTERM to the group, then SIGKILL 5 s later if it is still there.
 *
 * States of a run: running ──exit 0──▶ Success | ──exit ≠ 0 or signal──▶ Failed
 *   running ──timeout──▶ stopping(TimedOut) ──exit──▶ TimedOut
 *   running ──cancel──▶ stopping(Cancelled) ──exit──▶ Cancelled
 */
import { spawn } from 'node:child_process';
import { STDERR_MAX, STDOUT_MAX } from '@tocsin/protocol';

export interface RunOutcome {
  status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  reason?: string;
  startedAt: number;
  endedAt: number;
}

export interface RunningCommand {
  done: Promise<RunOutcome>;
  cancel(): void;
}

/** Keeps the first `max` characters of a stream and whether more came. */
class Capped {
  text = '';
  truncated = false;
  constructor(private readonly max: number) {}
  add(chunk: string): void {
    if (this.text.length + chunk.length <= this.max) this.text += chunk;
    else {
      this.text += chunk.slice(0, this.max - this.text.length);
      this.truncated = true;
    }
  }
}

export interface RunOptions {
  timeoutMs: number;
  now?: () => number;
  /** How long after SIGTERM the group gets SIGKILL. */
  killAfterMs?: number;
}

export function runCommand(command: string, o: RunOptions): RunningCommand {
  const now = o.now ?? Date.now;
  const startedAt = now();
  const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new Capped(STDOUT_MAX);
  const stderr = new Capped(STDERR_MAX);
  child.stdout.setEncoding('utf8').on('data', (c: string) => stdout.add(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => stderr.add(c));
  let stopping: 'TimedOut' | 'Cancelled' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const stop = (why: 'TimedOut' | 'Cancelled') => {
    if (stopping || child.exitCode !== null || child.signalCode !== null) return;
    stopping = why;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), o.killAfterMs ?? 5000);
  };
  const timeout = setTimeout(() => stop('TimedOut'), o.timeoutMs);
  const done = new Promise<RunOutcome>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      // Whatever the shell left running in its group goes with it.
      if (stopping) signalGroup('SIGKILL');
      const status = stopping ?? (code === 0 ? 'Success' : 'Failed');
      const reason = spawnError
        ? `could not start /bin/sh: ${spawnError.message}`
        : signal && !stopping
          ? `ended by ${signal}`
          : undefined;
      resolve({
        status,
        exitCode: code,
        stdout: stdout.text,
        stderr: stderr.text,
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        ...(reason ? { reason } : {}),
        startedAt,
        endedAt: now(),
      });
    });
  });
  return { done, cancel: () => stop('Cancelled') };
}
