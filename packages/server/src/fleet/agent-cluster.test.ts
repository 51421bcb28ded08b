import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { startClusterNode, type ClusterNode } from '../test-support/cluster-node.js';
import { call } from '../test-support/test-app.js';
import { createPostgresSchema, testDatabases } from '../test-support/test-databases.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

describe('agents across nodes (PostgreSQL)', { skip: !postgres }, () => {
  let a: ClusterNode;
  let b: ClusterNode;
  let drop: () => Promise<void>;
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    a = await startClusterNode(schema.schema, 'node-a');
    b = await startClusterNode(schema.schema, 'node-b');
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
