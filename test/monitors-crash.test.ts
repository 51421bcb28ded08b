import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HttpReceiver, waitFor } from '../packages/server/src/test-support/http-receiver.js';
import {
  createPostgresSchema,
  postgresUrlWithSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { CheckTarget } from './support/check-target.js';
import { api, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'monitors-crash-admin-token-0123456789';
/** Monitors whose targets flap, and steady ones that only add load. */
const FLAPPING = 90;
const STEADY = 300;
const FAILURE_THRESHOLD = 2;
const SUCCESS_THRESHOLD = 3;
const CYCLES = 3;
/** Checks of a flapping monitor per run between kills, on average. */
const CHECKS_PER_RUN = 4;

/** A small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Per monitor, what its target answers. A third flap in runs that mostly
 * cross their threshold; a third go down, then come back a check short of a
 * recovery, again and again ("++-"); a third come up, then fail a check
 * short of an outage ("-+"). A monitor that resumed from a stale count
 * announces what these never earned.
 */
function flapScript(seed: number): (monitor: number, seq: number) => boolean {
  const scripts = new Map<number, boolean[]>();
  const repeat = (head: string, cycle: string) => [...head, ...cycle.repeat(100)].map((c) => c === '+');
  return (monitor, seq) => {
    let s = scripts.get(monitor);
    if (!s) {
      const next = random(seed * 1000 + monitor + 1);
      if (monitor % 3 === 1) s = repeat('-'.repeat(FAILURE_THRESHOLD), `${'+'.repeat(SUCCESS_THRESHOLD - 1)}-`);
      else if (monitor % 3 === 2) s = repeat('+'.repeat(SUCCESS_THRESHOLD), `${'-'.repeat(FAILURE_THRESHOLD - 1)}+`);
      else {
        s = [];
        for (let good = true; s.length < 200; good = !good) {
          const needed = good ? SUCCESS_THRESHOLD : FAILURE_THRESHOLD;
          const run = next() < 0.4 ? needed - 1 : needed + Math.floor(next() * 2);
          for (let n = run; n > 0; n--) s.push(good);
        }
      }
      scripts.set(monitor, s);
    }
    return s[seq] ?? true;
  };
}

interface Arrival {
  delivery: string;
  kind: string;
  monitor: number;
  statusCode: number;
}

for (const variant of await testDatabases()) {
  describe(`monitor transitions across SIGKILLs on ${variant.name}`, () => {
    it(
      'invents no transition and loses none: every down and up ' +
        'rests on its threshold of checks the target answered',
      async () => {
        const seed = Number(process.env.TOCSIN_TEST_SEED ?? Date.now() % 100_000);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-monitors-crash-'));
        const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
        const env: Record<string, string> = {
          TOCSIN_DATA_DIR: dir,
          TOCSIN_ADMIN_TOKEN: TOKEN,
          TOCSIN_NODE_ID: `monitors-crash-${variant.name}`,
        };
        if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
        const target = await new CheckTarget().start();
        const flap = flapScript(seed);
        const delays = random(seed);
        target.good = (m, seq) => m >= FLAPPING || flap(m, seq);
        // Answers take a while, so that checks are in flight at every kill.
        target.delayMs = () => 20 + Math.floor(delays() * 180);
        const hooks = await new HttpReceiver().start();
        const arrivals: Arrival[] = [];
        hooks.respond = (req) => {
          const e = req.json().event;
          arrivals.push({
            delivery: String(req.headers['x-tocsin-delivery']),
            kind: e.kind,
            monitor: Number(e.source.name.slice(2)),
            statusCode: e.attributes.statusCode,
          });
          return { status: 200 };
        };
        // Assigned first thing in the try: whatever fails, the finally closes what was opened, so that the file ends.
        let server!: ServerProcess;
        try {
          server = await startServer(env);
          const monitor = (i: number) => ({
            name: `m-${i}`,
            type: 'http',
            url: `${target.url}/m/${i}`,
            interval: '5s',
            timeout: '2s',
          });
          const flapping = Array.from({ length: FLAPPING }, (_, i) => ({
            ...monitor(i),
            retryInterval: '1s',
            failureThreshold: FAILURE_THRESHOLD,
            successThreshold: SUCCESS_THRESHOLD,
            topics: ['ops'],
          }));
          const steady = Array.from({ length: STEADY }, (_, i) => monitor(FLAPPING + i));
          const config = {
            topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }] }],
            monitors: [...flapping, ...steady],
          };
          const applied = await api(server.url, TOKEN, 'POST', '/api/config/apply', { config });
          assert.equal(applied.status, 200, JSON.stringify(applied.json));

          const flappingHits = () => {
            let n = 0;
            for (let i = 0; i < FLAPPING; i++) n += target.hitsOf(i).length;
            return n;
          };
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            // A run lasts 7 to 9 s and at least CHECKS_PER_RUN checks a flapping monitor on average: on a
            // loaded machine a slow start leaves fewer checks in the same time, and too few transitions.
            const until = Date.now() + 7_000 + Math.floor(delays() * 2_000);
            const enough = flappingHits() + FLAPPING * CHECKS_PER_RUN;
            await waitFor(() => Date.now() >= until && flappingHits() >= enough, `run ${cycle + 1}`, 60_000);
            await server.kill();
            server = await startServer(env);
          }
          const until = Date.now() + 4_000;
          await waitFor(() => Date.now() >= until, 'a run after the last restart', 10_000);
          // Every target recovers: each monitor that was announced down must announce its recovery.
          target.good = () => true;
          const states = async () =>
            (await api(server.url, TOKEN, 'GET', '/api/monitors')).json.monitors as { name: string; state: string }[];
          await waitFor(async () => (await states()).every((m) => m.state === 'UP'), 'every monitor up', 20_000).catch(
            async (err) => {
              const notUp = (await states()).filter((m) => m.state !== 'UP');
              throw new Error(`${(err as Error).message}: ${JSON.stringify(notUp.slice(0, 5))}`);
            },
          );
          await waitFor(
            async () =>
              (await api(server.url, TOKEN, 'GET', '/api/deliveries?status=pending')).json.deliveries.length === 0,
            'an empty outbox',
            20_000,
          );

          const problems: string[] = [];
          let transitions = 0;
          for (let i = 0; i < FLAPPING; i++) {
            const hits = target.hitsOf(i);
            assert.ok(hits.length < 100, 'status codes name each check');
            const seen = new Set<string>();
            const events = arrivals.filter((a) => a.monitor === i && !seen.has(a.delivery) && seen.add(a.delivery));
            transitions += events.length;
            const said = (k: number) =>
              hits
                .map((h) => (h.good ? '+' : '-'))
                .slice(0, k + 1)
                .join('');
            events.forEach((e, n) => {
              const expected = n % 2 === 0 ? 'monitor.down' : 'monitor.up';
              if (e.kind !== expected) problems.push(`m-${i}: event ${n} is ${e.kind}, expected ${expected}`);
              const down = e.kind === 'monitor.down';
              const seq = e.statusCode - (down ? 500 : 200);
              const needed = down ? FAILURE_THRESHOLD : SUCCESS_THRESHOLD;
              const streak = hits.slice(Math.max(0, seq - needed + 1), seq + 1);
              if (streak.length < needed || streak.some((h) => h.good === down))
                problems.push(`m-${i}: ${e.kind} at check ${seq} after answers ${said(seq)}`);
            });
            if (events.length % 2 === 1)
              problems.push(
                `m-${i}: is up, but its last event is ${events.at(-1)!.kind} (answers ${said(hits.length - 1)})`,
              );
          }
          assert.deepEqual(problems, [], `seed ${seed}: ${problems.length} inconsistent transitions`);
          assert.ok(transitions >= FLAPPING / 2, `only ${transitions} transitions: the test flapped too little`);
        } finally {
          await server?.stop();
          await target.stop();
          await hooks.stop();
          await schema?.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
