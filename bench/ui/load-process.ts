/**
 * bench/ui's load generator, in its own process so that its CPU is not the server's nor the bench's: `streams`
 * plain HTTP clients holding `GET /api/live` open and reading its server-sent events, and a bounded loop of GETs
 * of a status page at `rate` a second on 127.0.0.1 (open loop: one request every 1/rate s, at most `maxInFlight`
 * outstanding; a tick with that many still waiting is counted as skipped, not queued), and a few monitors paused
 * and resumed in turn, so that the streams carry changes (a state change each write, and the check after a resume).
 *
 * Messages: parent → { start: LoadPlan }, then 'stop'; child → 'ready' once every stream has answered (or failed),
 * then { report: LoadReport } after 'stop', and exits.
 * States: idle → streaming + loading (after start) → stopped (after stop: streams closed, report sent).
 */
import http from 'node:http';

export interface LoadPlan {
  base: string;
  token: string;
  streams: number;
  rate: number;
  statusPath: string;
  maxInFlight: number;
  /** Monitors paused and resumed in turn (with the token), `changeRate` writes a second: changes on the stream. */
  changeMonitors: string[];
  changeRate: number;
  /**
   * Each stream also reads what an open UI page reads: GET /api/overview after live changes (at most every
   * `overviewEveryMs`, the UI's refetch pace), and the monitor list: the list once, its sparklines
   * (`/api/monitors-recent`) every `listEveryMs`.
   */
  dashboards: boolean;
  overviewEveryMs: number;
  listEveryMs: number;
}

/** The reads the emulated dashboards made. */
export interface DashboardReport {
  requests: Record<string, number>;
  bytes: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StreamReport {
  status: number | string;
  contentType: string;
  events: Record<string, number>;
  bytes: number;
  /** Closed by the server before the end (a stream that could not keep up, or an error). */
  closedEarly: boolean;
}

export interface LoadReport {
  streams: StreamReport[];
  seconds: number;
  sent: number;
  skipped: number;
  /** Answers by status code (`error` for a failed request). */
  codes: Record<string, number>;
  /** Answered 200 or 304 a second. */
  okRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Pause and resume writes sent, by answer. */
  changeCodes: Record<string, number>;
  dashboards: DashboardReport;
}

let stopping = false;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const streams: http.ClientRequest[] = [];
const timers: NodeJS.Timeout[] = [];
const dashboard = { requests: {} as Record<string, number>, bytes: 0, latencies: [] as number[] };

/** One read of the UI's, compressed as a browser asks for it; counted by path and status. */
function read(plan: LoadPlan, path: string): void {
  const t0 = performance.now();
  const req = http.get(
    `${plan.base}${path}`,
    { agent, headers: { authorization: `Bearer ${plan.token}`, 'accept-encoding': 'br, gzip' } },
    (res) => {
      res.on('data', (c: Buffer) => {
        dashboard.bytes += c.length;
      });
      res.on('end', () => {
        dashboard.latencies.push(performance.now() - t0);
        const key = `${path} ${res.statusCode}`;
        dashboard.requests[key] = (dashboard.requests[key] ?? 0) + 1;
      });
    },
  );
  req.on('error', () => {
    dashboard.requests[`${path} error`] = (dashboard.requests[`${path} error`] ?? 0) + 1;
  });
}

/** What an open page does besides its stream: the overview after changes, the list's reads on a timer. */
function emulateDashboard(plan: LoadPlan): () => void {
  let pending: NodeJS.Timeout | undefined;
  const offset = Math.random() * plan.listEveryMs;
  timers.push(
    setTimeout(() => {
      // The list loads once, then follows the stream; its sparklines are read again on a timer.
      read(plan, '/api/monitors');
      read(plan, '/api/monitors-recent');
      timers.push(setInterval(() => read(plan, '/api/monitors-recent'), plan.listEveryMs));
    }, offset),
  );
  return () => {
    if (stopping || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      if (!stopping) read(plan, '/api/overview');
    }, plan.overviewEveryMs);
    timers.push(pending);
  };
}

function openStream(plan: LoadPlan): Promise<StreamReport> {
  const report: StreamReport = { status: 0, contentType: '', events: {}, bytes: 0, closedEarly: false };
  const changed = plan.dashboards ? emulateDashboard(plan) : () => {};
  return new Promise((resolve) => {
    const req = http.get(`${plan.base}/api/live`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${plan.token}` },
    });
    req.on('response', (res) => {
      report.status = res.statusCode ?? 0;
      report.contentType = String(res.headers['content-type'] ?? '');
      let partial = '';
      res.on('data', (chunk: Buffer) => {
        report.bytes += chunk.length;
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^event: ?(.*)$/.exec(line);
          if (m) report.events[m[1]] = (report.events[m[1]] ?? 0) + 1;
          if (m && m[1] !== 'hello') changed();
          else if (line.startsWith(':')) report.events[': comment'] = (report.events[': comment'] ?? 0) + 1;
        }
      });
      res.on('close', () => {
        if (!stopping) report.closedEarly = true;
      });
      resolve(report);
    });
    req.on('error', (err) => {
      if (!stopping) {
        report.status = report.status || `error: ${err.message}`;
        report.closedEarly = true;
      }
      resolve(report);
    });
    streams.push(req);
  });
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function run(plan: LoadPlan): Promise<void> {
  const reports = await Promise.all(Array.from({ length: plan.streams }, () => openStream(plan)));
  process.send!('ready');
  const url = new URL(plan.statusPath, plan.base);
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  const one = () => {
    const t0 = performance.now();
    inFlight++;
    sent++;
    const req = http.get(url, { agent, headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' } }, (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        latencies.push(performance.now() - t0);
        const code = String(res.statusCode);
        codes[code] = (codes[code] ?? 0) + 1;
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', () => {
      inFlight--;
      codes.error = (codes.error ?? 0) + 1;
    });
  };
  const start = performance.now();
  const every = 1000 / plan.rate;
  let next = start;
  // A timer a tick, catching up by the clock: setTimeout alone drifts below the rate under load.
  const timer = setInterval(() => {
    const now = performance.now();
    while (next <= now) {
      if (inFlight >= plan.maxInFlight) skipped++;
      else one();
      next += every;
    }
  }, 2);
  const changeCodes: Record<string, number> = {};
  let toggles = 0;
  const change = () => {
    const name = plan.changeMonitors[toggles % plan.changeMonitors.length];
    const action = Math.floor(toggles / plan.changeMonitors.length) % 2 === 0 ? 'pause' : 'resume';
    toggles++;
    const req = http.request(
      new URL(`/api/monitors/${name}/${action}`, plan.base),
      { method: 'POST', agent, headers: { authorization: `Bearer ${plan.token}` } },
      (res) => {
        res.resume();
        const code = `${action} ${res.statusCode}`;
        changeCodes[code] = (changeCodes[code] ?? 0) + 1;
      },
    );
    req.on('error', () => {
      changeCodes.error = (changeCodes.error ?? 0) + 1;
    });
    req.end();
  };
  const changer =
    plan.changeRate > 0 && plan.changeMonitors.length ? setInterval(change, 1000 / plan.changeRate) : undefined;
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  clearInterval(timer);
  clearInterval(changer);
  const seconds = (performance.now() - start) / 1000;
  stopping = true;
  for (const t of timers) clearTimeout(t);
  for (const s of streams) s.destroy();
  const deadline = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const ok = (codes['200'] ?? 0) + (codes['304'] ?? 0);
  const report: LoadReport = {
    streams: reports,
    seconds,
    sent,
    skipped,
    codes,
    okRate: ok / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? NaN,
    changeCodes,
    dashboards: (() => {
      const d = dashboard.latencies.sort((x, y) => x - y);
      return {
        requests: dashboard.requests,
        bytes: dashboard.bytes,
        p50Ms: quantile(d, 0.5),
        p99Ms: quantile(d, 0.99),
      };
    })(),
  };
  process.send!({ report }, () => process.exit(0));
}

process.once('message', (m: { start: LoadPlan }) => {
  run(m.start).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
