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
import { api, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'crash-test-admin-token-0123456789';
const SUBSCRIPTIONS = 10;
const EVENTS = 100;

for (const variant of await testDatabases()) {
  describe(`a server killed with SIGKILL on ${variant.name}`, () => {
    it('delivers all 1,000 pending deliveries after a restart; only those in flight arrive twice', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-crash-'));
      const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
      // A stable node id, as a host's would be: the restarted node takes its own leases back at once.
      const env: Record<string, string> = {
        TOCSIN_DATA_DIR: dir,
        TOCSIN_ADMIN_TOKEN: TOKEN,
        TOCSIN_NODE_ID: `crash-test-${variant.name}`,
      };
      if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
      const receiver = await new HttpReceiver().start();
      const arrivals: { delivery: string; dedup: string; path: string }[] = [];
      let up = false;
      receiver.respond = (req) => {
        if (!up) return { status: 503, body: 'not yet' };
        arrivals.push({
          delivery: String(req.headers['x-tocsin-delivery']),
          dedup: String(req.headers['x-tocsin-dedup-key']),
          path: req.path,
        });
        return { status: 200, body: 'ok' };
      };
      let server: ServerProcess | undefined;
      try {
        server = await startServer(env);
        const subscriptions = Array.from({ length: SUBSCRIPTIONS }, (_, i) => ({
          protocol: 'webhook',
          name: `hook-${i}`,
          endpoint: `${receiver.url}/hook/${i}`,
        }));
        assert.equal(
          (await api(server.url, TOKEN, 'POST', '/api/topics', { name: 'crash', subscriptions })).status,
          201,
        );
        for (let i = 0; i < EVENTS; i++) {
          const res = await api(server.url, TOKEN, 'POST', '/api/topics/crash/publish', {
            kind: 'test',
            title: `event ${i}`,
            dedupKey: `dedup-${i}`,
          });
          assert.equal(res.status, 202);
        }
        const pending = await api(server.url, TOKEN, 'GET', '/api/deliveries?status=pending&limit=1000');
        assert.equal(
          pending.json.deliveries.length,
          SUBSCRIPTIONS * EVENTS,
          'all 1,000 deliveries are pending before the receiver comes up',
        );

        up = true;
        await waitFor(() => arrivals.length >= 200, '200 arrivals before the kill', 60_000);
        await server.kill();
        const atKill = arrivals.length;

        server = await startServer(env);
        const restarted = server;
        await waitFor(
          () => new Set(arrivals.map((a) => a.delivery)).size === SUBSCRIPTIONS * EVENTS,
          'every delivery after the restart',
          120_000,
        );
        await waitFor(
          async () =>
            (await api(restarted.url, TOKEN, 'GET', '/api/deliveries?status=pending')).json.deliveries.length === 0,
          'an empty outbox',
          45_000,
        );

        const seen = new Map<string, string>();
        const duplicates: string[] = [];
        for (const [i, a] of arrivals.entries()) {
          const dedup = seen.get(a.delivery);
          if (dedup !== undefined) {
            duplicates.push(a.delivery);
            assert.equal(dedup, a.dedup, 'a repeated delivery carries the same dedup key');
            const first = arrivals.findIndex((x) => x.delivery === a.delivery);
            assert.ok(first < atKill && i >= atKill, 'only a delivery sent before the kill is sent again after it');
          } else seen.set(a.delivery, a.dedup);
        }
        // In flight: sent but not yet recorded, at most one recording batch per queue.
        assert.ok(duplicates.length <= SUBSCRIPTIONS * 20, `${duplicates.length} deliveries arrived twice`);
        // Each queue's first arrivals came in the order of its events.
        for (let s = 0; s < SUBSCRIPTIONS; s++) {
          const order: number[] = [];
          const firstSeen = new Set<string>();
          for (const a of arrivals) {
            if (a.path !== `/hook/${s}` || firstSeen.has(a.delivery)) continue;
            firstSeen.add(a.delivery);
            order.push(Number(a.dedup.slice('dedup-'.length)));
          }
          assert.deepEqual(
            order,
            [...order].sort((x, y) => x - y),
            `queue ${s} in order`,
          );
        }
      } finally {
        // Whatever failed, the receiver and the server are closed, so that the file ends.
        await server?.stop();
        await receiver.stop();
        await schema?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
