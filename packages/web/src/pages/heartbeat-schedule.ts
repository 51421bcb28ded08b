/**
 * The next expected times of a heartbeat, in the browser: period heartbeats from the server's expected time,
 * cron heartbeats with croner (loaded on first use) read as the server reads them (core/cron-expression.ts:
 * nicknames expanded, `5L` as `5#L`, sloppy ranges, Vixie cron's fixed-time rule for DST).
 */
import type { Heartbeat } from '../core/api-types.js';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function libraryForm(expr: string): string {
  const trimmed = expr.trim();
  const fields = (NICKNAMES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  if (fields[4]) fields[4] = fields[4].replace(/(\w+)L\b/gi, '$1#L');
  return fields.join(' ');
}

/** Up to `n` expected times (epoch ms), the server's next expected time first. */
export async function nextExpectedTimes(h: Heartbeat, n: number, now = Date.now()): Promise<number[]> {
  const first = h.expectedAt ? Date.parse(h.expectedAt) : undefined;
  if (h.spec.period !== undefined) {
    const start = first ?? now + h.spec.period;
    return Array.from({ length: n }, (_, i) => start + i * h.spec.period!);
  }
  if (!h.spec.cron) return first ? [first] : [];
  const { Cron } = await import('croner');
  const job = new Cron(libraryForm(h.spec.cron), {
    timezone: h.spec.timezone,
    paused: true,
    mode: '5-part',
    sloppyRanges: true,
    fixedTimeRule: 'no-wildcard',
  });
  const from = first !== undefined ? new Date(first - 1) : new Date(now);
  return job.nextRuns(n, from).map((d) => d.getTime());
}

/** The lines to paste into a crontab or a script for a ping URL. */
export function pingSnippets(url: string, cron?: string): { label: string; text: string }[] {
  const curlOf = (u: string) => `curl -fsS -m 10 --retry 5 -o /dev/null ${u}`;
  const curl = curlOf(url);
  return [
    cron
      ? { label: 'Crontab line (ping after the job)', text: `${cron} /path/to/job.sh && ${curl}` }
      : { label: 'After the job', text: `/path/to/job.sh && ${curl}` },
    { label: 'Ping alone', text: curl },
    {
      label: 'Start, then the exit status (measures run time, reports failures)',
      text: `${curlOf(`${url}/start`)}; /path/to/job.sh; ${curlOf(`${url}/$?`)}`,
    },
  ];
}
