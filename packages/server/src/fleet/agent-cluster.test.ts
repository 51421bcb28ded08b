import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTocsin } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { startHttpServer } from '../http/http-server.js';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { TEST_ADMIN_TOKEN, call } from '../test-support/test-app.js';
import { POSTGRES_URL, createPostgresSchema, testDatabases } from '../test-support/test-databases.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

/** One node of a cluster on `schema`, serving HTTP and agents on a port of its own (its workers do not run). */
async function startNode(schema: string, nodeId: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-fleet-'));
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

describe('agents across nodes (PostgreSQL)', { skip: !postgres }, () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let drop: () => Promise<void>;
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    a = await startNode(schema.schema, 'node-a');
    b = await startNode(schema.schema, 'node-b');
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await drop?.();
  });

  const enroll = async (hostname: string) => {
    const token = (await call(a.tocsin, 'POST', '/api/agents/enrollment-tokens', {})).json.token;
    return (await call(b.tocsin, 'POST', '/api/agents/enroll', { token, hostname }, null)).json as {
      agentId: string;
      credential: string;
    };
  };
  const connect = async (port: number, credential: string, hostname: string) => {
    const agent = await TestAgent.connect(port, credential);
    agent.hello(hostname);
    await agent.next('welcome');
    return agent;
  };

  it('closes with 4401 the connection node A holds of an agent revoked through node B', async () => {
    const e = await enroll('x-1');
    const agent = await connect(a.port, e.credential, 'x-1');
    assert.equal((await call(b.tocsin, 'GET', `/api/agents/${e.agentId}`)).json.node, 'node-a');
    assert.equal((await call(b.tocsin, 'DELETE', `/api/agents/${e.agentId}`)).status, 204);
    assert.equal((await agent.waitClosed()).code, 4401);
    await assert.rejects(TestAgent.connect(a.port, e.credential), { status: 401 });
  });

  it("closes node A's connection (4409) when the agent connects again through node B", async () => {
    const e = await enroll('x-2');
    const first = await connect(a.port, e.credential, 'x-2');
    const second = await connect(b.port, e.credential, 'x-2');
    assert.equal((await first.waitClosed()).code, 4409);
    assert.equal(second.closed, undefined);
    const row = await waitFor(
      async () => {
        const got = (await call(a.tocsin, 'GET', `/api/agents/${e.agentId}`)).json;
        return got.node === 'node-b' ? got : undefined;
      },
      5_000,
      'the row to name node B',
    );
    assert.equal(row.state, 'online');
    assert.equal(a.tocsin.fleet.hub.isConnectedHere(e.agentId), false);
    assert.equal(b.tocsin.fleet.hub.isConnectedHere(e.agentId), true);
    second.close();
    await second.waitClosed();
  });
});
