/**
 * A real Prometheus (Debian's) sends its alerts to Tocsin's Alertmanager API: one rule on a metric that the test
 * serves and flips fires, then resolves; a webhook on the routed topic gets one notification each way, though
 * Prometheus re-sends the firing alert every second. Without prometheus this file skips (apt-get install
 * prometheus); with CI=true it fails instead, as .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpReceiver, waitFor } from '../packages/server/src/test-support/http-receiver.js';
import { api, freePort, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'e2e-admin-token-0123456789';
const PROMETHEUS = process.env.TOCSIN_PROMETHEUS ?? 'prometheus';
const found = !spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).error;
const skip =
  found || process.env.CI === 'true' ? false : `no ${PROMETHEUS} on this machine: apt-get install -y prometheus`;

describe('Prometheus alerts in, end to end', { skip }, () => {
  let server: ServerProcess;
  let receiver: HttpReceiver;
  let target: http.Server;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;
  let flag = 0;

  const kinds = () => receiver.requests.map((r) => r.json().event.kind as string);

  before(async () => {
    assert.ok(found, `no ${PROMETHEUS} (CI=true: .ci/run installs it with apt-get install prometheus)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-prom-'));
    receiver = await new HttpReceiver().start();
    target = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE tocsin_test_flag gauge\ntocsin_test_flag ${flag}\n`);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    server = await startServer({
      TOCSIN_DATA_DIR: path.join(dir, 'tocsin'),
      TOCSIN_PORT: String(port),
      TOCSIN_ADMIN_TOKEN: TOKEN,
      TOCSIN_PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    const applied = await api(server.url, TOKEN, 'POST', '/api/config/apply', {
      config: {
        topics: [{ name: 'prom', subscriptions: [{ protocol: 'webhook', endpoint: `${receiver.url}/hook` }] }],
        alert_routes: [{ name: 'pages', matchers: ['severity=~"page|critical"'], topics: ['prom'], groupWait: '0s' }],
      },
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const ingest = await api(server.url, TOKEN, 'POST', '/api/tokens', { name: 'prometheus', scope: 'ingest' });
    assert.equal(ingest.status, 201, JSON.stringify(ingest.json));

    writeFileSync(
      path.join(dir, 'rules.yml'),
      `groups:
  - name: tocsin-test
    rules:
      - alert: FlagUp
        expr: tocsin_test_flag > 0
        for: 0s
        labels:
          severity: page
        annotations:
          summary: the flag is up
          description: 'value {{ $value }}'
`,
    );
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [${JSON.stringify(path.join(dir, 'rules.yml'))}]
alerting:
  alertmanagers:
    - api_version: v2
      path_prefix: /
      authorization:
        credentials: ${ingest.json.token}
      static_configs:
        - targets: ['127.0.0.1:${port}']
scrape_configs:
  - job_name: flag
    static_configs:
      - targets: ['127.0.0.1:${(target.address() as AddressInfo).port}']
`,
    );
    const promPort = await freePort();
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--rules.alert.resend-delay=1s',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (c) => (prometheusLog += c));
    prometheus.stderr?.on('data', (c) => (prometheusLog += c));
  });

  after(async () => {
    if (prometheus?.pid && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      process.kill(-prometheus.pid, 'SIGTERM');
      await exited;
    }
    await server?.stop();
    await receiver?.stop();
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires, then resolves: one notification each way at the webhook', async () => {
    flag = 1;
    await waitFor(() => kinds().includes('alert.firing'), `the firing notification\n${prometheusLog}`, 20_000);
    const firing = receiver.requests[0].json().event;
    assert.equal(firing.severity, 'critical');
    assert.equal(firing.title, 'the flag is up');
    assert.equal(firing.source.type, 'prometheus');
    assert.equal(firing.source.tags.alertname, 'FlagUp');
    assert.equal(firing.source.tags.job, 'flag');
    // Prometheus re-sends the firing alert each second (resend delay 1s); the alert in Tocsin's hands shows it.
    await waitFor(
      async () => {
        const listed = await api(server.url, TOKEN, 'GET', '/api/v2/alerts');
        const held = listed.json?.[0];
        return held !== undefined && Date.parse(held.updatedAt) > Date.parse(held.startsAt) + 1500;
      },
      'a re-sent firing alert',
      10_000,
    );
    flag = 0;
    await waitFor(() => kinds().includes('alert.resolved'), `the resolved notification\n${prometheusLog}`, 20_000);
    assert.deepEqual(kinds(), ['alert.firing', 'alert.resolved']);
    const resolved = receiver.requests[1].json().event;
    assert.equal(resolved.severity, 'ok');
    assert.equal(resolved.dedupKey, firing.dedupKey);
  });
});
