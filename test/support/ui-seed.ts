/**
 * Data for the browser tests, made through the API with the admin token (what a test does not exercise through
 * the UI itself), and small waits on the API's view of it.
 */
import { api } from './server-process.js';
import type { UiServer } from './browser.js';

/** An API call with the admin token that must answer `status` (one of them); resolves with its JSON. */
export async function adminCall(
  ui: UiServer,
  method: string,
  pathname: string,
  body?: unknown,
  status: number | number[] = 200,
) {
  const res = await api(ui.url, ui.token, method, pathname, body);
  if (!(Array.isArray(status) ? status : [status]).includes(res.status)) {
    throw new Error(`${method} ${pathname}: ${res.status} (wanted ${status}) ${JSON.stringify(res.json)}`);
  }
  return res.json;
}

/** Polls `read` every 100 ms until `ok` holds for what it returns (or throws after `timeoutMs`); returns it. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A monitor's shown state (UP, DOWN, PENDING, PAUSED, MAINTENANCE) as the API has it. */
export async function monitorState(ui: UiServer, name: string): Promise<string> {
  return (await adminCall(ui, 'GET', `/api/monitors/${name}`)).state;
}

export interface Seeded {
  monitor: string;
  heartbeat: string;
  topic: string;
  alarm: string;
  maintenance: string;
  statusPage: string;
}

/**
 * One of each thing the pages show: a monitor of `targetUrl`, a heartbeat pinged once, a topic with a webhook to
 * `hookUrl`, a metric alarm, a maintenance window next week, and a status page of the monitor and heartbeat.
 */
export async function seedAll(ui: UiServer, targetUrl: string, hookUrl: string): Promise<Seeded> {
  const s: Seeded = {
    monitor: 'site-api',
    heartbeat: 'db-backup',
    topic: 'ops',
    alarm: 'slow-api',
    maintenance: 'db-upgrade',
    statusPage: 'public',
  };
  await adminCall(
    ui,
    'POST',
    '/api/topics',
    { name: s.topic, subscriptions: [{ name: 'hook', protocol: 'webhook', endpoint: hookUrl }] },
    201,
  );
  const monitor = {
    name: s.monitor,
    type: 'http',
    url: targetUrl,
    interval: '5s',
    topics: [s.topic],
    tags: { env: 'prod' },
  };
  await adminCall(ui, 'POST', '/api/monitors', monitor, 201);
  const hb = await adminCall(ui, 'POST', '/api/heartbeats', { name: s.heartbeat, period: '1d', grace: '1h' }, 201);
  await fetch(hb.pingUrl, { method: 'POST', body: 'backup done: 42 files' });
  await adminCall(
    ui,
    'POST',
    '/api/alarms',
    {
      name: s.alarm,
      namespace: 'Tocsin/Monitors',
      metricName: 'Latency',
      dimensions: { Monitor: s.monitor },
      statistic: 'p99',
      period: '60s',
      evaluationPeriods: 3,
      threshold: 500,
      comparisonOperator: 'GreaterThanThreshold',
      alarmActions: [{ topic: s.topic }],
    },
    201,
  );
  const week = 7 * 86_400_000;
  await adminCall(
    ui,
    'PUT',
    `/api/maintenance/${s.maintenance}`,
    {
      monitors: [s.monitor],
      start: new Date(Date.now() + week).toISOString(),
      end: new Date(Date.now() + week + 3_600_000).toISOString(),
    },
    [200, 201],
  );
  await adminCall(
    ui,
    'PUT',
    `/api/status-pages/${s.statusPage}`,
    {
      title: 'Example status',
      description: 'Public status of the example services',
      items: [
        { type: 'monitor', name: s.monitor, label: 'API' },
        { type: 'heartbeat', name: s.heartbeat, label: 'Nightly backup' },
      ],
    },
    [200, 201],
  );
  return s;
}
