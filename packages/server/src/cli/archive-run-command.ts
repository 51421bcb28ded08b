/**
 * `tocsin archive run JOB`: asks for a run (the days not archived yet, or --from..--to again), then follows it
 * until it ends, drawing a progress bar on stderr. A run's states: queued ──▶ running ──▶ succeeded | failed.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { createApiClient } from './api-client.js';
import { type Action, type FlagValues, UsageError } from './command.js';
import { type CliOutput, cliIo } from './cli-io.js';

/** A run as `GET /api/archives/{name}/runs/{id}` answers it. */
export interface RunView {
  id: string;
  job: string;
  trigger: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  daysDone: number;
  daysTotal: number;
  lines: number;
  storedBytes: number;
  requestedAt?: string;
  endedAt?: string;
  error?: string;
}

/** How often a followed run is read again. */
export const POLL_MS = 500;
const BAR_WIDTH = 24;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `--flag DATE` value, or a usage error naming the flag. */
export function dayFlag(verb: string, v: FlagValues, flag: string): string | undefined {
  const text = v[flag];
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !DAY.test(text) || !Number.isFinite(Date.parse(`${text}T00:00:00Z`)))
    throw new UsageError(`archive ${verb}: --${flag} '${text}' is not a day written YYYY-MM-DD`);
  return text;
}

/** Bytes as people read them: 512 B, 1.5 KB, 12.3 MB. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** One line of progress: `[######------] 3/6 days  1200 lines  4.1 KB  running`. */
export function progressLine(r: RunView): string {
  const filled = r.daysTotal > 0 ? Math.round((BAR_WIDTH * r.daysDone) / r.daysTotal) : 0;
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  return `${bar} ${r.daysDone}/${r.daysTotal} days  ${r.lines} lines  ${bytesText(r.storedBytes)}  ${r.state}`;
}

/** Draws progress in place on a terminal; elsewhere (a file, a test) a line each time it changes. */
function progressDrawer(err: CliOutput): { draw(r: RunView): void; end(): void } {
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  let last = '';
  return {
    draw(r) {
      const line = progressLine(r);
      if (line === last) return;
      last = line;
      err.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    end() {
      if (tty && last) err.write('\n');
    },
  };
}

/** The run's body from the flags: both days or neither, in order; the groups given. */
function runBody(v: FlagValues): { from?: string; to?: string; groups?: string[] } {
  const from = dayFlag('run', v, 'from');
  const to = dayFlag('run', v, 'to');
  if (from !== undefined && to === undefined) throw new UsageError('archive run: --from needs --to DATE as well');
  if (to !== undefined && from === undefined) throw new UsageError('archive run: --to needs --from DATE as well');
  if (from && to && to < from) throw new UsageError(`archive run: --to '${to}' is before --from '${from}'`);
  const groups = (v.group as string[] | undefined) ?? [];
  const empty = groups.indexOf('');
  if (empty >= 0) throw new UsageError('archive run: --group needs a log group name');
  return { from, to, groups: groups.length ? groups : undefined };
}

export const runAction: Action = {
  args: ['JOB'],
  synopsis: '[--from DATE --to DATE] [--group G]... [--no-wait]',
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    group: { type: 'string', multiple: true },
    'no-wait': { type: 'boolean' },
  },
  help: `Runs the job now: every ended day not archived yet, or with --from and --to
(days in the job's time zone, YYYY-MM-DD) those days again, replacing what
was written; --group limits it to some of the job's groups. It follows the
run with a progress bar on stderr (days, lines, stored bytes) and exits 0
when it succeeded, 1 when it failed; --no-wait prints the run's id and exits.
For example, a backfill:
  tocsin archive run nightly --from 2026-01-01 --to 2026-01-31`,
  async run(v, [name]) {
    const body = runBody(v);
    const api = createApiClient(v);
    const path = `/api/archives/${encodeURIComponent(name)}`;
    let run = await api.post<RunView>(`${path}/run`, body);
    const io = cliIo();
    if (v['no-wait']) {
      io.stdout.write(`${run.id}\n`);
      return 0;
    }
    const drawer = progressDrawer(io.stderr);
    drawer.draw(run);
    while (run.state === 'queued' || run.state === 'running') {
      await wait(POLL_MS);
      run = await api.get<RunView>(`${path}/runs/${encodeURIComponent(run.id)}`);
      drawer.draw(run);
    }
    drawer.end();
    if (run.state === 'failed') {
      io.stderr.write(
        `archive run ${name}: run ${run.id} failed: ${(run.error ?? 'no reason given').split('\n')[0]}\n`,
      );
      return 1;
    }
    io.stdout.write(
      `run ${run.id} succeeded: ${run.daysDone} days, ${run.lines} lines, ${bytesText(run.storedBytes)}\n`,
    );
    return 0;
  },
};
