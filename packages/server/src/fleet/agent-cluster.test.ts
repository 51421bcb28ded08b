import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { startClusterNode, type ClusterNode } from '../test-support/cluster-node.js';
import { call } from '../test-support/test-app.js';
import { createPostgresSchema, testDatabases } from '../test-support/test-databases.js';
import { COMMAND_JOB } from './command-coordinator.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

describe('agents across nodes (PostgreSQL)', { skip: !postgres }, () => {
  let a: ClusterNode;
  let b: ClusterNode;
  let drop: () => Promise<void>;
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    // The scheduler runs on both: each run's coordinator key is driven by the node that owns it, whichever that is.
    a = await startClusterNode(schema.schema, 'node-a', { workers: true });
    b = await startClusterNode(schema.schema, 'node-b', { workers: true });
    // Each node owns half the partitions: a run's coordinator may be either node, the one it was started on or not.
    await waitFor(
      async () => {
        const nodes = (await call(a.tocsin, 'GET', '/api/cluster')).json.nodes as { partitions: number }[];
        return (nodes.length === 2 && nodes.every((n) => n.partitions > 0)) || undefined;
      },
      10_000,
      'both nodes to hold partitions',
    );
  });
  /** The run tests' agents: closed before the nodes, even when a test failed with them connected. */
  const opened: TestAgent[] = [];
  after(async () => {
    for (const agent of opened) agent.close();
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

  /** An agent enrolled through node B and connected to the node given, tagged `fleet=<tag>`. */
  const host = async (node: typeof a, hostname: string, tag: string) => {
    const e = await enroll(hostname);
    const agent = await TestAgent.connect(node.port, e.credential);
    opened.push(agent);
    agent.hello(hostname, { fleet: tag });
    await agent.next('welcome');
    return { ...e, agent, hostname };
  };
  const result = (invocationId: string, status: 'Success' | 'Cancelled', stdout: string) => ({
    type: 'command.result' as const,
    invocationId,
    status,
    exitCode: status === 'Success' ? 0 : null,
    stdout,
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    startedAt: Date.now(),
    endedAt: Date.now(),
  });
  const ended = (node: typeof a, id: string) =>
    waitFor(
      async () => {
        const r = (await call(node.tocsin, 'GET', `/api/commands/${id}`)).json;
        return r.status === 'InProgress' ? undefined : r;
      },
      10_000,
      `run ${id} to end`,
    );
  const sentBy = async (runId: string) => {
    const rows = await a.tocsin.handle.db
      .selectFrom('command_invocations')
      .select(['agent_id', 'node'])
      .where('run_id', '=', runId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.agent_id, r.node]));
  };

  it('runs a command started through node B on the agents of both nodes, each once through its own node', async () => {
    const hosts = [
      { ...(await host(a, 'r-a1', 'run-1')), node: 'node-a' },
      { ...(await host(a, 'r-a2', 'run-1')), node: 'node-a' },
      { ...(await host(b, 'r-b1', 'run-1')), node: 'node-b' },
      { ...(await host(b, 'r-b2', 'run-1')), node: 'node-b' },
    ];
    const started = await call(b.tocsin, 'POST', '/api/commands', {
      command: 'uptime',
      targets: { tags: { fleet: 'run-1' } },
      expected: hosts.length,
    });
    assert.equal(started.status, 201, started.text);
    assert.equal(started.json.targetCount, 4);
    for (const h of hosts) {
      const frame = await h.agent.next('command.run');
      assert.equal(frame.runId, started.json.id);
      h.agent.send({ type: 'command.started', invocationId: frame.invocationId });
      h.agent.send(result(frame.invocationId, 'Success', `up on ${h.hostname}`));
    }
    const run = await ended(a, started.json.id);
    assert.equal(run.status, 'Success', run.reason);
    assert.equal(run.expected, 4);
    assert.equal(run.counts.Success, 4, JSON.stringify(run.counts));
    assert.equal(run.invocations.length, 4);
    const byAgent = Object.fromEntries(run.invocations.map((i: { agentId: string }) => [i.agentId, i]));
    const nodes = await sentBy(started.json.id);
    for (const h of hosts) {
      assert.equal(h.agent.frames.filter((f) => f.type === 'command.run').length, 1, `${h.hostname}: one command.run`);
      assert.equal(byAgent[h.agentId].stdout, `up on ${h.hostname}`);
      assert.equal(nodes[h.agentId], h.node, `${h.hostname} was sent its command by the node holding it`);
    }
    for (const h of hosts) h.agent.close();
  });

  it('sends the cancel asked through node A to the agent connected to node B', async () => {
    const onA = await host(a, 'c-a1', 'run-2');
    const onB = await host(b, 'c-b1', 'run-2');
    const started = await call(b.tocsin, 'POST', '/api/commands', {
      command: 'sleep 600',
      targets: { tags: { fleet: 'run-2' } },
    });
    assert.equal(started.status, 201, started.text);
    // The rollout releases one, then the other once the first is done: A's host succeeds, B's keeps running.
    const onAFrame = await onA.agent.next('command.run');
    onA.agent.send({ type: 'command.started', invocationId: onAFrame.invocationId });
    onA.agent.send(result(onAFrame.invocationId, 'Success', 'done'));
    const onBFrame = await onB.agent.next('command.run');
    onB.agent.send({ type: 'command.started', invocationId: onBFrame.invocationId });
    await waitFor(
      async () => {
        const r = (await call(a.tocsin, 'GET', `/api/commands/${started.json.id}`)).json;
        return r.invocations.some((i: { status: string }) => i.status === 'InProgress') || undefined;
      },
      10_000,
      "B's invocation to be in progress",
    );
    const cancel = await call(a.tocsin, 'POST', `/api/commands/${started.json.id}/cancel`);
    assert.equal(cancel.status, 202, cancel.text);
    assert.equal((await onB.agent.next('command.cancel')).invocationId, onBFrame.invocationId);
    onB.agent.send(result(onBFrame.invocationId, 'Cancelled', ''));
    const run = await ended(b, started.json.id);
    assert.equal(run.status, 'Cancelled', run.reason);
    assert.equal(run.counts.Success, 1);
    assert.equal(run.counts.Cancelled, 1);
    assert.equal(onB.agent.frames.filter((f) => f.type === 'command.cancel').length, 1);
    assert.equal(onA.agent.frames.filter((f) => f.type === 'command.cancel').length, 0, 'nothing to cancel on A');
    onA.agent.close();
    onB.agent.close();
  });

  it('tells the agents on both nodes to stop what the server timed out', async () => {
    const hosts = [await host(a, 't-a1', 'run-3'), await host(b, 't-b1', 'run-3')];
    const started = await call(a.tocsin, 'POST', '/api/commands', {
      command: 'sleep 600',
      targets: { tags: { fleet: 'run-3' } },
      maxConcurrency: 2,
    });
    assert.equal(started.status, 201, started.text);
    const id = started.json.id as string;
    // Each starts its command and never reports. The rollout sends one, and the next once the first is done: the
    // run's coordinator (either node) times out each in turn, as if it had started two hours ago (past the
    // execution timeout of 1 hour and its grace).
    const invocations: string[] = [];
    for (let k = 0; k < 2; k++) {
      const [n, frame] = await waitFor(
        async () => {
          for (const [n, h] of hosts.entries()) {
            const f = h.agent.frames.find((x) => x.type === 'command.run' && !invocations.includes(x.invocationId));
            if (f?.type === 'command.run') return [n, f] as const;
          }
          return undefined;
        },
        10_000,
        `command ${k + 1} to reach an agent`,
      );
      invocations[n] = frame.invocationId;
      hosts[n]!.agent.send({ type: 'command.started', invocationId: frame.invocationId });
      await waitFor(
        async () => {
          const r = (await call(b.tocsin, 'GET', `/api/commands/${id}`)).json;
          const inv = r.invocations.find((i: { id: string }) => i.id === frame.invocationId);
          return inv?.status === 'InProgress' || undefined;
        },
        10_000,
        `invocation ${k + 1} to be in progress`,
      );
      await a.tocsin.handle.db
        .updateTable('command_invocations')
        .set({ started_at: Date.now() - 7_200_000 })
        .where('id', '=', frame.invocationId)
        .execute();
      for (const node of [a, b]) node.tocsin.scheduler.hasten(COMMAND_JOB, id, Date.now());
    }
    const run = await ended(b, id);
    assert.equal(run.status, 'Failed');
    assert.equal(run.counts.TimedOut, 2, JSON.stringify(run.counts));
    for (const [n, h] of hosts.entries()) {
      assert.equal((await h.agent.next('command.cancel')).invocationId, invocations[n], `${h.hostname} told to stop`);
      h.agent.close();
    }
  });

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
