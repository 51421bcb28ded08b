/**
 * `tocsin run`: a heartbeat wrapper for cron and batch jobs. The job always
 * runs and `tocsin run` always exits with its status: a server that cannot
 * be reached, a refused token, an unknown name or a bad flag are said on
 * stderr, never in the exit status. Reporting before the job, and again
 * after it, each takes at most the report timeout, retries included.
 * SIGTERM, SIGINT, SIGHUP and SIGQUIT are passed on to the job, whose
 * status is then reported as usual.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { TocsinError } from '../core/errors.js';
import { DEFAULT_REPORT_TIMEOUT_MS, reportTimeoutMs } from '../config/settings.js';
import { createApiClient } from './api-client.js';
import { clientFlags, parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin run [--report-timeout DURATION] NAME|PING-URL -- COMMAND [ARGS…]

Pings start, runs COMMAND, then pings its exit status with the last 10 kB of
its output. NAME is looked up with an API token (--url, --token); a ping URL
(http://…/ping/UUID) needs no token.

COMMAND always runs, and tocsin run always exits with its status: when the
server cannot be reached, refuses the token or does not know NAME, the
failure to report is printed on stderr. Reporting before COMMAND, and again
after it, each takes at most --report-timeout (TOCSIN_REPORT_TIMEOUT; 3s by
default), retries included.`;

const TAIL = 10 * 1024;
/** Signals passed on to the job, so that stopping the wrapper stops the job and its status is still reported. */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;
const say = (message: string) => cliIo().stderr.write(`tocsin run: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deadline for one report: attempts are retried with backoff until it passes. */
class Budget {
  private readonly end: number;
  constructor(ms: number) {
    this.end = Date.now() + ms;
  }
  left(): number {
    return Math.max(0, this.end - Date.now());
  }
  /** Waits before the next attempt; false when no time is left for one. */
  async pause(attempt: number): Promise<boolean> {
    const wait = Math.min(2_000, 200 * 2 ** attempt);
    if (this.left() <= wait + 50) return false;
    await sleep(wait);
    return true;
  }
}

/** Errors worth another attempt: the server was not reached or failed, not a refusal. */
const retryable = (err: unknown) =>
  err instanceof TocsinError && ['unavailable', 'internal', 'rate_limited'].includes(err.code);

type Lookup = { base: string } | { error: string; retry: boolean };

/** The heartbeat's ping URL, by name through the API. */
async function lookup(name: string, values: Record<string, unknown>, budget: Budget): Promise<Lookup> {
  for (let attempt = 0; ; attempt++) {
    try {
      const api = createApiClient(values, cliIo().env, { timeoutMs: Math.max(100, budget.left()) });
      return { base: (await api.get<{ pingUrl: string }>(`/api/heartbeats/${encodeURIComponent(name)}`)).pingUrl };
    } catch (err) {
      if (!retryable(err) || !(await budget.pause(attempt)))
        return { error: (err as Error).message, retry: retryable(err) };
    }
  }
}

/** Sends one ping; a 4xx answer is final, anything else is retried within the budget. */
async function ping(url: string, body: string, budget: Budget): Promise<void> {
  let last = '';
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(Math.max(100, budget.left())) });
      if (res.ok) return;
      last = `answered ${res.status} ${(await res.text()).slice(0, 200)}`.trimEnd();
      if (res.status >= 400 && res.status < 500 && res.status !== 429) break;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      last = e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.message);
    }
    if (!(await budget.pause(attempt))) break;
  }
  say(`could not ping ${url}: ${last}`);
}

/** Runs the job with its output passed through; resolves with its exit status and the tail of its output. */
function runJob(cmd: string, args: string[]): Promise<{ status: number; tail: string }> {
  const io = cliIo();
  let tail = Buffer.alloc(0);
  const keep = (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > TAIL) tail = tail.subarray(tail.length - TAIL);
  };
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: io.env,
      cwd: io.cwd,
      stdio: [io.stdin ? 'pipe' : 'inherit', 'pipe', 'pipe'],
    });
    if (io.stdin && child.stdin) io.stdin.pipe(child.stdin).on('error', () => undefined);
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const s of FORWARDED) process.on(s, forward);
    const stopForwarding = () => {
      for (const s of FORWARDED) process.off(s, forward);
    };
    child.stdout!.on('data', (c: Buffer) => {
      io.stdout.write(c);
      keep(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      io.stderr.write(c);
      keep(c);
    });
    let failed = false;
    child.on('error', (err) => {
      failed = true;
      stopForwarding();
      const message = `tocsin run: cannot run ${cmd}: ${err.message}\n`;
      io.stderr.write(message);
      keep(Buffer.from(message));
      resolve({ status: 127, tail: tail.toString('utf8') });
    });
    child.on('close', (code, signal) => {
      stopForwarding();
      if (!failed)
        resolve({ status: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), tail: tail.toString('utf8') });
    });
  });
}

interface Reporting {
  target?: string;
  values: Record<string, unknown>;
  timeoutMs: number;
}

/** The flags before `--`; any problem is said and the job runs unreported. */
function reporting(before: string[]): Reporting {
  const fallback = { values: {}, timeoutMs: DEFAULT_REPORT_TIMEOUT_MS };
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(before, { ...clientFlags, 'report-timeout': { type: 'string' } }, usage, true);
  } catch (err) {
    say(`${(err as Error).message}; running the command without reporting`);
    return fallback;
  }
  if (!parsed) return fallback;
  let timeoutMs = fallback.timeoutMs;
  try {
    timeoutMs = reportTimeoutMs(parsed.values['report-timeout'] as string | undefined, cliIo().env);
  } catch (err) {
    say(`${(err as Error).message}; taking ${DEFAULT_REPORT_TIMEOUT_MS / 1000}s`);
  }
  const [target, extra] = parsed.positionals;
  if (!target) say('no heartbeat NAME or ping URL before --; running the command without reporting');
  else if (extra !== undefined) say(`one NAME or ping URL only ('${extra}' is extra; put the command after --)`);
  return { target, values: parsed.values, timeoutMs };
}

export const runCommand: Command = {
  summary: 'run a command and report it to a heartbeat',
  async run(argv) {
    const dash = argv.indexOf('--');
    const before = dash < 0 ? argv : argv.slice(0, dash);
    if (before.includes('--help') || before.includes('-h')) {
      cliIo().stdout.write(`${usage}\n`);
      return 0;
    }
    if (dash < 0 || dash === argv.length - 1) {
      cliIo().stderr.write(`tocsin run: give the command after --\n${usage}\n`);
      return 2;
    }
    const r = reporting(before);
    const rid = randomUUID();
    let base: string | undefined;
    let pending: Lookup | undefined;
    const first = new Budget(r.timeoutMs);
    if (r.target && /^https?:\/\//i.test(r.target)) base = r.target.replace(/\/+$/, '');
    else if (r.target) {
      pending = await lookup(r.target, r.values, first);
      if ('base' in pending) base = pending.base;
      else say(`cannot report the start of '${r.target}': ${pending.error}; running the command anyway`);
    }
    if (base) await ping(`${base}/start?rid=${rid}`, '', first);
    const [cmd, ...args] = argv.slice(dash + 1);
    const { status, tail } = await runJob(cmd, args);
    const budget = new Budget(r.timeoutMs);
    if (!base && r.target && pending && 'retry' in pending && pending.retry) {
      // The server was not reachable before the job; it may be now.
      const again = await lookup(r.target, r.values, budget);
      if ('base' in again) base = again.base;
      else say(`cannot report the exit status of '${r.target}': ${again.error}`);
    }
    if (base) await ping(`${base}/${Math.min(255, status)}?rid=${rid}`, tail, budget);
    return status;
  },
};
