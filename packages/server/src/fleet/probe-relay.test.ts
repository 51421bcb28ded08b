import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTocsin } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { startHttpServer } from '../http/http-server.js';
import { uuidv7 } from '../core/ids.js';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { TEST_ADMIN_TOKEN, call } from '../test-support/test-app.js';
import { POSTGRES_URL, createPostgresSchema, testDatabases } from '../test-support/test-databases.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

/** One node of a cluster on `schema`, serving HTTP and agents on a port of its own (its workers do not run). */
async function startNode(schema: string, nodeId: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-relay-'));
  const flags = {
    'data-dir': dir,
    'admin-token': TEST_ADMIN_TOKEN,
    'public-url': 'http://tocsin.test',
    'database-url': POSTGRES_URL,
    'node-id': nodeId,
  };
  const tocsin = await createTocsin(loadSettings(flags, {}, dir), { logger: silentLogger, schema });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    fetch: tocsin.http.fetch,
    upgrades: tocsin.upgrades,
  });
  return {
    tocsin,
    port: server.port,
    async close() {
      await server.close();
      await tocsin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('probes for agents held by another node (PostgreSQL)', { skip: !postgres }, () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let drop: () => Promise<void>;
  const agents: TestAgent[] = [];
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    a = await startNode(schema.schema, 'node-a');
    b = await startNode(schema.schema, 'node-b');
    const token = (await call(a.tocsin, 'POST', '/api/agents/enrollment-tokens', { uses: 3 })).json.token;
    for (const [hostname, node, answer] of [
      ['here-1', a, true],
      ['away-1', b, false],
      ['away-2', b, null],
    ] as const) {
      const e = (await call(a.tocsin, 'POST', '/api/agents/enroll', { token, hostname, tags: { role: 'edge' } }, null))
        .json;
      const agent = await TestAgent.connect(node.port, e.credential);
      agent.answerProbes(() =>
        answer === null ? null : { ok: answer, message: answer ? 'connected in 1 ms' : 'connection refused' },
      );
      agent.hello(hostname, { role: 'edge' }, true);
      await agent.next('welcome');
      agents.push(agent);
    }
  });
  after(async () => {
    for (const agent of agents) agent.close();
    await b?.close();
    await a?.close();
    await drop?.();
  });

  it('sends the probe through the node holding each agent, and takes its answer back', async () => {
    const checkId = uuidv7();
    const answers = await a.tocsin.fleet.prober.probe({
      monitor: 'shop',
      checkId,
      spec: { type: 'tcp', host: '127.0.0.1', port: 1 },
      agents: { role: 'edge' },
      timeoutMs: 500,
      deadline: Date.now() + 1_500,
    });
    const byHost = Object.fromEntries(answers.map((x) => [x.hostname, [x.up, x.message]]));
    assert.deepEqual(byHost, {
      'here-1': [true, 'connected in 1 ms'],
      'away-1': [false, 'connection refused'],
      'away-2': [null, 'no answer by the deadline (through node node-b)'],
    });
    // Two frames were relayed through node B; once the check ended, its rows are deleted.
    await waitFor(
      async () => {
        const rows = await a.tocsin.handle.db.selectFrom('probe_relays').select('check_id').execute();
        return rows.every((r) => r.check_id !== checkId);
      },
      5_000,
      "the check's relayed rows deleted",
    );
  });
});
