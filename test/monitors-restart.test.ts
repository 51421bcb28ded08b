import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../packages/server/src/test-support/http-receiver.js';
import {
  createPostgresSchema,
  postgresUrlWithSchema,
  testDatabases,
} from '../packages/server/src/test-support/test-databases.js';
import { CheckTarget } from './support/check-target.js';
import { api, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'monitors-restart-admin-token-0123456789';
const MONITORS = 200;
const INTERVAL_MS = 10_000;
/** Overdue monitors are checked within this long of a start (CATCH_UP_MS). */
const CATCH_UP_MS = 5_000;
/** For a loaded machine: scheduling lag and the time from loading monitors to the readiness line. */
const SLACK_MS = 1_500;

for (const variant of await testDatabases()) {
  describe(`monitor checks across a SIGKILL on ${variant.name}`, () => {
    it(
      'checks every monitor again within one interval of its last ' +
        'check, or within seconds of the start if it became due meanwhile',
      async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-monitors-restart-'));
        const schema = variant.name === 'postgres' ? await createPostgresSchema() : undefined;
        const env: Record<string, string> = {
          TOCSIN_DATA_DIR: dir,
          TOCSIN_ADMIN_TOKEN: TOKEN,
          TOCSIN_NODE_ID: `restart-test-${variant.name}`,
        };
        if (schema) env.TOCSIN_DATABASE_URL = postgresUrlWithSchema(schema.schema);
        const target = await new CheckTarget().start();
        // Assigned first thing in the try: whatever fails, the finally closes what was opened, so that the file ends.
        let server!: ServerProcess;
        try {
          server = await startServer(env);
          const monitors = Array.from({ length: MONITORS }, (_, i) => ({
            name: `m-${i}`,
            type: 'http',
            url: `${target.url}/m/${i}`,
            interval: `${INTERVAL_MS / 1000}s`,
            timeout: '2s',
          }));
          const applied = await api(server.url, TOKEN, 'POST', '/api/config/apply', { config: { monitors } });
          assert.equal(applied.status, 200, JSON.stringify(applied.json));
          // Past every monitor's second check, so each has checked since the state its first check wrote.
          const appliedAt = Date.now();
          await waitFor(
            () => new Set(target.hits.map((h) => h.monitor)).size === MONITORS,
            'a first check of every monitor',
            15_000,
          );
          await waitFor(
            () => Date.now() - appliedAt >= INTERVAL_MS + CATCH_UP_MS + 500,
            'a second round of checks',
            20_000,
          );

          await server.kill();
          const killedAt = Date.now();
          const before = target.hits.length;
          server = await startServer(env);
          const readyAt = Date.now();
          await waitFor(
            () => new Set(target.hits.slice(before).map((h) => h.monitor)).size === MONITORS,
            'a check of every monitor after the restart',
            INTERVAL_MS + 10_000,
          );

          const late: string[] = [];
          for (let i = 0; i < MONITORS; i++) {
            const hits = target.hitsOf(i);
            const lastBefore = hits.filter((h) => h.at <= killedAt).at(-1)!.at;
            const firstAfter = hits.find((h) => h.at > killedAt)!.at;
            // Not yet due at the start: its due time. Due while the server was down: soon after the start.
            const bound = Math.max(lastBefore + INTERVAL_MS, readyAt + CATCH_UP_MS) + SLACK_MS;
            if (firstAfter > bound)
              late.push(`m-${i}: ${firstAfter - lastBefore} ms after its last check, ${firstAfter - bound} ms late`);
          }
          assert.deepEqual(late, [], `${late.length} monitors checked late after the restart`);
          // The catch-up is spread: no second after the start holds more than the busiest second of monitors due by
          // their schedule (checks come in waves: new monitors start within 5 s of their creation) and twice its
          // share of the overdue ones (a start that checked them all at once would).
          let overdue = 0;
          const duePerSecond = new Map<number, number>();
          for (let i = 0; i < MONITORS; i++) {
            const due =
              target
                .hitsOf(i)
                .filter((h) => h.at <= killedAt)
                .at(-1)!.at + INTERVAL_MS;
            if (due < readyAt) overdue++;
            else {
              // Seconds counted from the start, as the checks below are: bins of the wall clock's seconds would
              // not line up with theirs, and one of their seconds could hold two of these.
              const second = Math.floor((due - readyAt) / 1000);
              duePerSecond.set(second, (duePerSecond.get(second) ?? 0) + 1);
            }
          }
          const perSecond = new Map<number, number>();
          for (const h of target.hits.slice(before))
            perSecond.set(
              Math.floor((h.at - readyAt) / 1000),
              (perSecond.get(Math.floor((h.at - readyAt) / 1000)) ?? 0) + 1,
            );
          const busiest = Math.max(...perSecond.values());
          const limit = Math.max(0, ...duePerSecond.values()) + (2 * overdue) / (CATCH_UP_MS / 1000) + 10;
          assert.ok(
            busiest <= limit,
            `${busiest} checks in one second after the restart (${overdue} overdue; at most ${limit})`,
          );
        } finally {
          await server?.stop();
          await target.stop();
          await schema?.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
