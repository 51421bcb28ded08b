import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uuidv7 } from '../core/ids.js';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { startClusterNode, type ClusterNode } from '../test-support/cluster-node.js';
import { call } from '../test-support/test-app.js';
import { createPostgresSchema, testDatabases } from '../test-support/test-databases.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

describe('probes for agents held by another node (PostgreSQL)', { skip: !postgres }, () => {
  let a: ClusterNode;
  let b: ClusterNode;
  let drop: () => Promise<void>;
  const agents: TestAgent[] = [];
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    a = await startClusterNode(schema.schema, 'node-a');
    b = await startClusterNode(schema.schema, 'node-b');
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
