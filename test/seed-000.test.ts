/**
 * Seed 000's three alarms from examples/seed-000.yaml, fed by two real agent processes (packages/agent, web-1
 * and web-2, enrolled with a real token, tagged role=web) connected to a Tocsin listening on 127.0.0.1:
 *   (a) disk used: the threshold is set through DISK_THRESHOLD just below what statfs says of the disk, and the
 *       alarm goes to ALARM on the agent's own figures, with one notification that names the reason;
 *   (b) the system status check: web-1's tailed access log is removed, its self-check fails, StatusCheckFailed
 *       is 1, ALARM runs the recovery command on web-1 (it makes the file again), the check passes: OK;
 *   (c) healthy hosts: web-2 stops, turns offline, HealthyCount is 1: ALARM; started again: OK.
 * The server's clock is fake. For (a) it follows the real one, as the agent stamps its datapoints with its own
 * (10-second periods through DISK_PERIOD, metrics every second); for (b) and (c) it moves a minute at a time,
 * each step waiting for the agents to answer the ping round before, as they would over a real minute.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../packages/server/src/app.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { loadConfigFile } from '../packages/server/src/config/config-loader.js';
import { createLogger } from '../packages/server/src/core/logger.js';
import { startHttpServer, type HttpServer } from '../packages/server/src/http/http-server.js';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { call, createTestApp } from '../packages/server/src/test-support/test-app.js';
import { testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { childEnv, repoRoot, runCli, tsxArgs } from './support/server-process.js';

const MIN = 60_000;
const agentMain = path.join(repoRoot, 'packages/agent/src/main.ts');
const STATUS = 'web-1-system-status-check';
const DISK = 'web-1-disk-used';
const HEALTHY = 'web-healthy-hosts';

interface AgentProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startAgent(args: string[]): AgentProcess {
  const proc = spawn(process.execPath, [...tsxArgs, agentMain, ...args], {
    env: childEnv({}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function stopAgent(a: AgentProcess | undefined): Promise<void> {
  if (!a) return;
  if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGTERM');
  await a.exited;
}

/** What statfs says of a path, as df (and the agent) count it: used / (used + available to non-root). */
function usedPercent(p: string): number {
  const s = statfsSync(p);
  const used = (s.blocks - s.bfree) * s.bsize;
  return (used / (used + s.bavail * s.bsize)) * 100;
}

interface AlertEvent {
  kind: string;
  text: string;
  source: { name: string };
  attributes: Record<string, any>;
}

describe('examples/seed-000.yaml', () => {
  it('is valid for `tocsin validate` with its defaults', async () => {
    const r = await runCli(['validate', '-f', path.join(repoRoot, 'examples/seed-000.yaml')], {});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid \(1 topic, 1 agent_group, 3 alarms\)/);
  });
});

for (const variant of await testDatabases()) {
  describe(`seed 000's alarms fed by real agents, from examples/seed-000.yaml, on ${variant.name}`, () => {
    let dir: string;
    let accessLog: string;
    let hooks: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: HttpServer;
    let enrolToken: string;
    const agents: Record<string, AgentProcess> = {};
    const ids: Record<string, string> = {};
    /** The server's warnings, shown when a wait fails. */
    const warnings: string[] = [];
    let disk: Record<string, string>;
    let threshold: number;

    const agentArgs = (name: string) => {
      const args = ['--url', `http://127.0.0.1:${server.port}`, '--enroll', enrolToken, '--name', name];
      args.push('--state-dir', path.join(dir, name), '--metrics-every', '1s');
      if (name === 'web-1') {
        args.push('--log-file', `apache/access=${accessLog}`, '--allow-commands', '--allow-prefix', 'touch ');
      }
      return args;
    };
    const agentView = async (name: string) => (await call(tocsin, 'GET', `/api/agents/${ids[name]}`)).json;
    /** waitFor, whose failure tells the server's warnings and what the agents wrote. */
    const until = <T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> =>
      waitFor(probe, ms, what).catch((err: Error) => {
        const outputs = Object.entries(agents).map(([name, a]) => `${name}:\n${a.output().slice(-4000)}`);
        throw new Error([err.message, 'server warnings:', ...warnings.slice(-20), ...outputs].join('\n'));
      });

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-seed-000-'));
      accessLog = path.join(dir, 'access_log');
      writeFileSync(accessLog, '127.0.0.1 - - [04/Dec/2026:01:00:00 +0000] "GET /health HTTP/1.1" 200 2\n');
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.now());
      const logger = createLogger('warn', {}, (line) => warnings.push(line));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock, logger }));
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        fetch: tocsin.http.fetch,
        upgrades: tocsin.upgrades,
      });
      const made = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { uses: 2, tags: { role: 'web' } });
      assert.equal(made.status, 201, made.text);
      enrolToken = made.json.token;
      for (const name of ['web-1', 'web-2']) agents[name] = startAgent(agentArgs(name));
      const online = await until(
        async () => {
          const list = (await call(tocsin, 'GET', '/api/agents?state=online')).json.agents as any[];
          return list.length === 2 && list.every((a) => a.metrics) ? list : undefined;
        },
        60_000,
        'both agents online with metrics',
      );
      for (const a of online) ids[a.hostname] = a.id;

      // The root file system as web-1's agent reports it (any disk it reports where / is not one of them).
      await tocsin.metricsStore.drain();
      const disks = (await tocsin.metricsStore.list('CWAgent')).filter(
        (s) => s.name === 'disk_used_percent' && s.dimensions.InstanceId === ids['web-1'],
      );
      const root = disks.find((s) => s.dimensions.path === '/') ?? disks[0];
      assert.ok(root, 'web-1 reports its disks');
      disk = root.dimensions;
      assert.deepEqual(Object.keys(disk).sort(), ['InstanceId', 'device', 'fstype', 'host', 'path']);
      threshold = Math.max(0, Math.floor((usedPercent(disk.path!) - 2) * 10) / 10);

      const loaded = loadConfigFile(path.join(repoRoot, 'examples/seed-000.yaml'), {
        WEB_1_INSTANCE_ID: ids['web-1'],
        WEB_1_HOST: disk.host,
        WEB_1_DISK_PATH: disk.path,
        WEB_1_DISK_DEVICE: disk.device,
        WEB_1_DISK_FSTYPE: disk.fstype,
        DISK_PERIOD: '10s',
        DISK_THRESHOLD: String(threshold),
        RECOVERY_COMMAND: `touch ${accessLog}`,
      });
      assert.ok(loaded.ok, 'the example loads');
      const applied = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.equal(applied.changes.length, 1 + 1 + 3, 'the topic (with its e-mail), the agent group, three alarms');
      // A webhook beside the (pending) e-mail address lets the test read what ops-alerts sends.
      const sub = await call(tocsin, 'POST', '/api/topics/ops-alerts/subscriptions', {
        protocol: 'webhook',
        name: 'test-hook',
        endpoint: `${hooks.url}/ops`,
      });
      assert.equal(sub.status, 201, sub.text);
    });
    after(async () => {
      await Promise.all(Object.values(agents).map(stopAgent));
      await server?.close();
      await dispose?.();
      await hooks?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const alerts = () => hooks.requests.filter((r) => r.path === '/ops').map((r) => r.json().event as AlertEvent);
    const transitions = (alarm: string) =>
      alerts()
        .filter((e) => e.source.name === alarm)
        .map((e) => e.attributes.newState as string);
    const state = (name: string) => tocsin.alarms.get(name).state;
    const running = () => Object.entries(agents).filter(([, a]) => a.proc.exitCode === null && !a.proc.signalCode);

    /** Runs what is due now, stores what it recorded and sends what it queued. */
    async function settle(): Promise<void> {
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
      await tocsin.metricsStore.drain();
      await tocsin.outbox.runOnce();
    }
    /** One minute of the server's clock, once the running agents have answered the last ping round. */
    async function minute(): Promise<void> {
      const live = running().map(([name]) => ids[name]);
      await until(
        async () => !tocsin.fleet.agentHub.unheard().some((id) => live.includes(id)),
        10_000,
        'the agents to answer the ping round',
      );
      clock.advance(MIN);
      await settle();
    }
    /** Minutes until `alarm` is in `wanted`, at most `max`; answers how many it took. */
    async function minutesUntil(alarm: string, wanted: string, max: number): Promise<number> {
      for (let n = 1; n <= max; n++) {
        await minute();
        if (state(alarm) === wanted) return n;
      }
      assert.fail(`${alarm} is ${state(alarm)} after ${max} minutes, not ${wanted}`);
    }

    it('disk used goes to ALARM on the real statfs figures, with one notification naming the reason', async () => {
      const key = { namespace: 'CWAgent', name: 'disk_used_percent', dimensions: disk };
      // The agent stamps its datapoints with its own (real) time: once the 10-second period it is in and the one
      // before have some, the server's clock goes to the end of that period.
      const end = await until(
        async () => {
          await tocsin.metricsStore.drain();
          const at = Math.floor(Date.now() / 10_000) * 10_000 + 10_000;
          const periods = await tocsin.metricsStore.periods(key, 'Average', 10_000, at, 2);
          return periods.every((p) => p.value !== null) ? at : undefined;
        },
        40_000,
        'datapoints of the disk in two 10-second periods',
      );
      clock.set(Math.max(clock.now(), end));
      await settle();
      assert.equal(state(DISK), 'ALARM');
      const fired = alerts().filter((e) => e.source.name === DISK);
      assert.equal(fired.length, 1, 'exactly one notification');
      assert.equal(fired[0]!.attributes.newState, 'ALARM');
      const m = new RegExp(
        /^Threshold Crossed: 2 out of the last 2 datapoints \[(\d+\.\d+) \(.+\), (\d+\.\d+) \(.+\)\] /.source +
          `were greater than or equal to the threshold \\(${threshold.toFixed(1).replace('.', '\\.')}\\)`,
      ).exec(fired[0]!.text);
      assert.ok(m, fired[0]!.text);
      const real = usedPercent(disk.path!);
      for (const v of [m[1], m[2]]) assert.ok(Math.abs(Number(v) - real) < 1, `${v} % is what statfs says: ${real}`);
    });

    it("status check: the access log removed fails web-1's self-check; ALARM recovers it on web-1; OK", async () => {
      await minutesUntil(STATUS, 'OK', 3);
      const shipped = `/api/logs/query?group=apache%2Faccess&start=0&end=${Date.now() + MIN}&limit=10`;
      await until(
        async () => ((await call(tocsin, 'GET', shipped)).json?.events?.length === 1 ? true : undefined),
        10_000,
        'the access log line shipped to apache/access',
      );
      rmSync(accessLog);
      await until(
        async () => ((await agentView('web-1')).selfChecks as { ok: boolean }[]).some((c) => !c.ok),
        10_000,
        'the failed self-check',
      );
      assert.equal((await minutesUntil(STATUS, 'ALARM', 4)) >= 2, true, 'two breaching minutes of two');
      const alarm = alerts().find((e) => e.source.name === STATUS && e.attributes.newState === 'ALARM')!;
      assert.match(alarm.text, /^Threshold Crossed: 2 out of the last 2 datapoints \[1\.0 \(.+\), 1\.0 \(.+\)\]/);

      // The recovery: a run on the host the alarm is about, started by the alarm, verified as any run.
      const run = await until(
        async () => {
          await settle();
          const runs = (await call(tocsin, 'GET', '/api/commands')).json.runs as { id: string; startedBy: string }[];
          const mine = runs.find((r) => r.startedBy === `alarm:${STATUS}`);
          if (!mine) return undefined;
          const r = (await call(tocsin, 'GET', `/api/commands/${mine.id}`)).json;
          return r.status === 'InProgress' || r.status === 'Pending' ? undefined : r;
        },
        20_000,
        'the recovery run to end',
      );
      assert.equal(run.status, 'Success', JSON.stringify(run));
      assert.deepEqual(
        run.invocations.map((i: { hostname: string; exitCode: number }) => [i.hostname, i.exitCode]),
        [['web-1', 0]],
      );
      assert.ok(existsSync(accessLog), 'the recovery made the file again');
      await until(
        async () => ((await agentView('web-1')).selfChecks as { ok: boolean }[]).every((c) => c.ok),
        10_000,
        'the self-checks to pass again',
      );
      await minutesUntil(STATUS, 'OK', 3);
      assert.deepEqual(transitions(STATUS), ['OK', 'ALARM', 'OK']);
      assert.ok(
        alerts().some((e) => e.kind === 'command.succeeded'),
        "the run's verdict goes to ops-alerts",
      );
    });

    it('healthy hosts: web-2 stopped leaves one in the web group: ALARM; started again: OK', async () => {
      await minutesUntil(HEALTHY, 'OK', 3);
      await stopAgent(agents['web-2']);
      // Silent for 3 minutes (TOCSIN_AGENT_OFFLINE_AFTER), it turns offline; then 2 minutes of 1 of 2.
      const took = await minutesUntil(HEALTHY, 'ALARM', 8);
      assert.ok(took >= 5, `ALARM after ${took} minutes: not before web-2 was silent 3 and counted 1 for 2`);
      const hosts = (kind: string) =>
        alerts()
          .filter((e) => e.kind === kind)
          .map((e) => e.attributes.hostname);
      assert.deepEqual(hosts('agent.offline'), ['web-2'], "the group's topic hears which host went");
      const alarm = alerts().find((e) => e.source.name === HEALTHY && e.attributes.newState === 'ALARM')!;
      assert.match(alarm.text, /2 out of the last 2 datapoints \[1\.0 .+\] were less than or equal to the threshold/);

      agents['web-2'] = startAgent(agentArgs('web-2'));
      await until(
        async () => ((await agentView('web-2')).state === 'online' ? true : undefined),
        30_000,
        'web-2 online again',
      );
      await minutesUntil(HEALTHY, 'OK', 3);
      assert.deepEqual(transitions(HEALTHY), ['OK', 'ALARM', 'OK']);
      assert.deepEqual(hosts('agent.online'), ['web-2']);
      assert.equal(transitions(DISK).length, 1, "the disk alarm's one notification is still the only one");
    });
  });
}
