import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { FakeFleet } from '../test-support/fake-fleet.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { COMMAND_JOB } from './command-coordinator.js';
import type { CommandsModule } from './commands-module.js';

for (const variant of await testDatabases()) {
  describe(`command runs on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let mod: CommandsModule;
    let fleet: FakeFleet;
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
    const ports = {
      link: {
        send: (a: string, f: Parameters<FakeFleet['send']>[1]) => fleet.send(a, f),
        isConnectedHere: (a: string) => fleet.isConnectedHere(a),
        onCommandMessage: (h: Parameters<FakeFleet['onCommandMessage']>[0]) => handlers.msg.push(h),
        onConnect: (h: Parameters<FakeFleet['onConnect']>[0]) => handlers.conn.push(h),
      },
      directory: {
        match: (t: Parameters<FakeFleet['match']>[0]) => fleet.match(t),
        groupExpectedSize: (n: string) => fleet.groupExpectedSize(n),
        signCommand: (f: Parameters<FakeFleet['signCommand']>[0]) => fleet.signCommand(f),
      },
    };
    const handlers = {
      msg: [] as Parameters<FakeFleet['onCommandMessage']>[0][],
      conn: [] as Parameters<FakeFleet['onConnect']>[0][],
    };

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        commandPorts: ports,
      }));
      mod = tocsin.commands;
      const topic = await call(tocsin, 'PUT', '/api/topics/ops', { subscriptions: [] });
      assert.ok(topic.status < 300, topic.text);
    });
    after(() => dispose());
    beforeEach(() => {
      fleet = new FakeFleet();
      for (const h of handlers.msg) fleet.onCommandMessage(h);
      for (const h of handlers.conn) fleet.onConnect(h);
    });

    /** Lets agents answer and the coordinator run until nothing moves. */
    const settle = async () => {
      for (let i = 0; i < 100; i++) {
        const answered = fleet.answer();
        await mod.idle();
        const ran = await tocsin.scheduler.runDue();
        if (!answered && !ran) return;
      }
      throw new Error('did not settle');
    };
    const web = (n: number, behaviour: Parameters<FakeFleet['add']>[2] = 'ok') => {
      for (let i = 1; i <= n; i++) fleet.add(`web-${i}`, { role: 'web', env: 'prod' }, behaviour);
    };
    const start = async (body: Record<string, unknown>) => {
      const r = await call(tocsin, 'POST', '/api/commands', {
        command: 'uptime',
        targets: { tags: { role: 'web' } },
        ...body,
      });
      assert.equal(r.status, 201, r.text);
      return r.json.id as string;
    };
    const show = async (id: string) => (await call(tocsin, 'GET', `/api/commands/${id}`)).json;

    it('5 targets, 5 expected, all succeed: Success; the completion event goes to the topic with counts', async () => {
      web(5);
      const id = await start({ expected: 5, topics: ['ops'] });
      await settle();
      const run = await show(id);
      assert.equal(run.status, 'Success', run.reason);
      assert.equal(run.invocations.length, 5);
      assert.ok(
        run.invocations.every((i: { status: string; exitCode: number }) => i.status === 'Success' && i.exitCode === 0),
      );
      assert.equal(run.invocations[0].stdout, 'hello from web-1');
      assert.equal(run.startedBy, 'token:TOCSIN_ADMIN_TOKEN');
      const events = await tocsin.handle.db.selectFrom('events').selectAll().where('source_name', '=', id).execute();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.kind, 'command.succeeded');
      const attrs = JSON.parse(events[0]!.attributes);
      assert.equal(attrs.expected, 5);
      assert.equal(attrs.counts.Success, 5);
      assert.deepEqual(attrs.targets, { role: 'web' });
      assert.equal(attrs.verdict, 'Success');
      assert.match(events[0]!.text, /key: role\nvalue: web/);
      const frame = fleet.frames.find((f) => f.frame.type === 'command.run')!.frame as { notAfter: number };
      assert.equal(frame.notAfter, clock.now() + 600_000, 'notAfter = releasedAt + deliveryTimeout');
    });

    it('a silent host and an offline one: Undeliverable after the delivery timeout, the run Failed', async () => {
      web(3);
      fleet.add('web-4', { role: 'web' }, 'silent');
      fleet.add('web-5', { role: 'web' }, 'ok', false);
      const id = await start({ expected: 5, deliveryTimeout: '1m' });
      await settle();
      assert.equal((await show(id)).status, 'InProgress');
      clock.advance(60_000 + 5_000);
      await settle();
      const run = await show(id);
      assert.equal(run.status, 'Failed');
      assert.equal(run.reason, '3 of 5 expected hosts succeeded: 2 missing (Success 3, Undeliverable 2)');
      const byHost = Object.fromEntries(
        run.invocations.map((i: { agentId: string; status: string }) => [i.agentId, i.status]),
      );
      assert.equal(byHost['web-4'], 'Undeliverable');
      assert.equal(byHost['web-5'], 'Undeliverable');
    });

    it('an agent connecting late gets its released invocation', async () => {
      fleet.add('web-1', { role: 'web' }, 'ok', false);
      const id = await start({});
      await settle();
      assert.equal(fleet.frames.length, 0);
      fleet.connect('web-1');
      await mod.idle();
      await settle();
      assert.equal((await show(id)).status, 'Success');
    });

    it('a host that starts and never finishes is TimedOut after the execution timeout', async () => {
      web(1, 'start-only');
      const id = await start({ executionTimeout: '10s' });
      await settle();
      assert.equal((await show(id)).invocations[0].status, 'InProgress');
      clock.advance(15_000);
      await settle();
      const run = await show(id);
      assert.equal(run.invocations[0].status, 'TimedOut');
      assert.equal(run.status, 'Failed');
      const cancels = fleet.frames.filter((f) => f.frame.type === 'command.cancel');
      assert.deepEqual(cancels, [
        { agentId: 'web-1', frame: { type: 'command.cancel', invocationId: run.invocations[0].id } },
      ]);
      await settle();
      assert.equal(fleet.frames.filter((f) => f.frame.type === 'command.cancel').length, 1, 'told once');
    });

    it('a host timed out while disconnected is told to stop the command when it connects again', async () => {
      web(1, 'start-only');
      const id = await start({ executionTimeout: '10s' });
      await settle();
      const [inv] = (await show(id)).invocations as { id: string; status: string }[];
      assert.equal(inv!.status, 'InProgress');
      fleet.agents.get('web-1')!.connected = false;
      clock.advance(15_000);
      await settle();
      assert.equal((await show(id)).status, 'Failed');
      const cancelled = () =>
        fleet.frames.flatMap((f) =>
          f.frame.type === 'command.cancel' ? [`${f.agentId} ${f.frame.invocationId}`] : [],
        );
      assert.deepEqual(cancelled(), []);
      fleet.connect('web-1');
      await mod.idle();
      assert.deepEqual(cancelled(), [`web-1 ${inv!.id}`]);
      fleet.connect('web-1');
      await mod.idle();
      assert.equal(cancelled().length, 1, 'told once');
    });

    it('a cancelled run sends nothing more: an agent connecting after the cancel is not sent its command', async () => {
      fleet.add('web-1', { role: 'web' }, 'ok', false);
      const id = await start({});
      await settle();
      assert.equal((await show(id)).invocations[0].status, 'Pending');
      // The cancel is written, and the coordinator has not run yet when the agent connects.
      await tocsin.handle.db.updateTable('command_runs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
      fleet.connect('web-1');
      await mod.idle();
      assert.equal(fleet.frames.length, 0);
      tocsin.scheduler.hasten(COMMAND_JOB, id, clock.now());
      await settle();
      assert.equal((await show(id)).status, 'Cancelled');
      assert.equal(fleet.frames.length, 0);
    });

    it('zero matches: the run ends at once, Failed, "no agent matched role=web"', async () => {
      fleet.add('db-1', { role: 'db' });
      const id = await start({ topics: ['ops'] });
      const run = await show(id);
      assert.equal(run.status, 'Failed');
      assert.equal(run.reason, 'no agent matched role=web');
      const events = await tocsin.handle.db.selectFrom('events').selectAll().where('source_name', '=', id).execute();
      assert.equal(events[0]?.kind, 'command.failed');
    });

    it('MaxErrors 1: the second error stops the rollout and those not sent are Cancelled', async () => {
      web(5, 'fail');
      const id = await start({ maxConcurrency: 1, maxErrors: 1 });
      await settle();
      const run = await show(id);
      const statuses = run.invocations.map((i: { status: string }) => i.status);
      assert.deepEqual(statuses, ['Failed', 'Failed', 'Cancelled', 'Cancelled', 'Cancelled']);
      assert.equal(run.status, 'Failed');
      assert.equal(run.stoppedByMaxErrors, true);
    });

    it('MaxConcurrency 2 never has more than 2 in flight; 50% of 8 ramps 1, 2, then 4', async () => {
      web(6);
      const id = await start({ maxConcurrency: 2 });
      await settle();
      assert.equal(fleet.maxInFlight, 2);
      assert.equal((await show(id)).status, 'Success');
      fleet = new FakeFleet();
      for (const h of handlers.msg) fleet.onCommandMessage(h);
      web(8);
      const sizes: number[] = [];
      const id2 = await start({ maxConcurrency: '50%' });
      for (let i = 0; i < 20; i++) {
        await tocsin.scheduler.runDue();
        const n = fleet.answer();
        if (n) sizes.push(n);
        await mod.idle();
        if (!n && !(await tocsin.scheduler.runDue())) break;
      }
      assert.deepEqual(sizes.slice(0, 3), [1, 2, 4]);
      assert.equal((await show(id2)).status, 'Success');
    });

    it("expected comes from the group's size: 3 matched of a group of 5 is Failed, 2 missing", async () => {
      web(3);
      fleet.groups.set('web-fleet', 5);
      const id = await start({ group: 'web-fleet' });
      await settle();
      const run = await show(id);
      assert.equal(run.expected, 5);
      assert.equal(run.expectedFrom, 'group:web-fleet');
      assert.equal(run.status, 'Failed');
      assert.match(run.reason, /^3 of 5 expected hosts succeeded: 2 missing/);
    });

    it('more hosts than expected is a mismatch, said so', async () => {
      web(4);
      const id = await start({ expected: 3 });
      await settle();
      const run = await show(id);
      assert.equal(run.status, 'Failed');
      assert.match(run.reason, /4 hosts matched role=web but 3 were expected: 1 more than expected/);
    });

    it('output truncation flags are stored', async () => {
      web(1, 'huge');
      const id = await start({});
      await settle();
      const inv = (await show(id)).invocations[0];
      assert.equal(inv.stdout.length, 24_000);
      assert.equal(inv.stdoutTruncated, true);
      assert.equal(inv.stderrTruncated, true);
    });

    it('cancel: pending Cancelled, running ones sent command.cancel, the run ends Cancelled', async () => {
      web(3, 'start-only');
      const id = await start({ maxConcurrency: 1, topics: ['ops'] });
      await settle();
      const c = await call(tocsin, 'POST', `/api/commands/${id}/cancel`);
      assert.equal(c.status, 202, c.text);
      await settle();
      const cancel = fleet.frames.find((f) => f.frame.type === 'command.cancel');
      assert.ok(cancel, 'the running one got command.cancel');
      const invId = (cancel.frame as { invocationId: string }).invocationId;
      fleet.deliver(cancel.agentId, {
        type: 'command.result',
        invocationId: invId,
        status: 'Cancelled',
        exitCode: null,
        stdout: '',
        stderr: '',
        stdoutTruncated: false,
        stderrTruncated: false,
        startedAt: null,
        endedAt: 3,
      });
      await settle();
      const run = await show(id);
      assert.equal(run.status, 'Cancelled');
      assert.deepEqual(
        run.invocations.map((i: { status: string }) => i.status),
        ['Cancelled', 'Cancelled', 'Cancelled'],
      );
      const events = await tocsin.handle.db.selectFrom('events').selectAll().where('source_name', '=', id).execute();
      assert.equal(events[0]?.kind, 'command.cancelled');
      assert.equal((await call(tocsin, 'POST', `/api/commands/${id}/cancel`)).status, 409);
    });

    it('a result for a terminal invocation is ignored', async () => {
      web(1);
      const id = await start({});
      await settle();
      const inv = (await show(id)).invocations[0];
      fleet.deliver('web-1', {
        type: 'command.result',
        invocationId: inv.id,
        status: 'Failed',
        exitCode: 9,
        stdout: 'late',
        stderr: '',
        stdoutTruncated: false,
        stderrTruncated: false,
        startedAt: null,
        endedAt: 3,
      });
      await settle();
      const again = (await show(id)).invocations[0];
      assert.equal(again.status, 'Success');
      assert.equal(again.exitCode, 0);
    });

    it('POST by a non-admin token is 403; bad bodies are 400 naming the field', async () => {
      const t = await tocsin.tokens.create('writer', 'write');
      const r = await call(
        tocsin,
        'POST',
        '/api/commands',
        { command: 'x', targets: { tags: { role: 'web' } } },
        t.token,
      );
      assert.equal(r.status, 403, r.text);
      const noCmd = await call(tocsin, 'POST', '/api/commands', { targets: { tags: { role: 'web' } } });
      assert.equal(noCmd.status, 400);
      assert.match(noCmd.text, /command/);
      const badConc = await call(tocsin, 'POST', '/api/commands', {
        command: 'x',
        targets: { tags: { role: 'web' } },
        maxConcurrency: '150%',
      });
      assert.equal(badConc.status, 400);
      assert.match(badConc.text, /maxConcurrency/);
      const noTargets = await call(tocsin, 'POST', '/api/commands', { command: 'x', targets: {} });
      assert.equal(noTargets.status, 400);
      assert.match(noTargets.text, /targets/);
      const both = await call(tocsin, 'POST', '/api/commands', {
        command: 'x',
        targets: { agents: ['a'] },
        expected: 1,
        group: 'g',
      });
      assert.equal(both.status, 400);
      assert.match(both.text, /group/);
      const topic = await call(tocsin, 'POST', '/api/commands', {
        command: 'x',
        targets: { agents: ['a'] },
        topics: ['nope'],
      });
      assert.equal(topic.status, 400);
      assert.match(topic.text, /topics/);
    });

    it('the run list is newest first and paged', async () => {
      const page = await call(tocsin, 'GET', '/api/commands?limit=2');
      assert.equal(page.status, 200);
      assert.equal(page.json.runs.length, 2);
      assert.ok(page.json.runs[0].id > page.json.runs[1].id);
      const next = await call(tocsin, 'GET', `/api/commands?limit=2&before=${page.json.next}`);
      assert.ok(next.json.runs[0].id < page.json.runs[1].id);
    });

    it('the run list by agent (runs that targeted it) and by status, paged the same way', async () => {
      fleet.add('lone-1', { role: 'lone' });
      fleet.add('lone-2', { role: 'lone' }, 'fail');
      const one = await start({ targets: { agents: ['lone-1'] } });
      const two = await start({ targets: { agents: ['lone-2'] } });
      const both = await start({ targets: { tags: { role: 'lone' } } });
      await settle();
      const ids = async (query: string) => {
        const r = await call(tocsin, 'GET', `/api/commands?${query}`);
        assert.equal(r.status, 200, r.text);
        return { ids: (r.json.runs as { id: string }[]).map((x) => x.id), next: r.json.next as string | undefined };
      };
      assert.deepEqual((await ids('agent=lone-1')).ids, [both, one]);
      assert.deepEqual((await ids('agent=lone-2&status=Failed')).ids, [both, two]);
      assert.deepEqual((await ids('agent=lone-1&status=Failed')).ids, [both]);
      assert.deepEqual((await ids('agent=lone-2&status=Success')).ids, []);
      assert.deepEqual((await ids('agent=nobody')).ids, []);
      const first = await ids('agent=lone-1&limit=1');
      assert.deepEqual(first, { ids: [both], next: both });
      assert.deepEqual((await ids(`agent=lone-1&limit=1&before=${first.next}`)).ids, [one]);
      const succeeded = await ids('status=Success&limit=200');
      assert.ok(succeeded.ids.includes(one) && !succeeded.ids.includes(two) && !succeeded.ids.includes(both));
      const statuses = await call(tocsin, 'GET', '/api/commands?status=Failed&limit=200');
      assert.ok(statuses.json.runs.every((r: { status: string }) => r.status === 'Failed'));
      for (const [query, field] of [
        ['status=Done', 'status'],
        ['status=', 'status'],
        ['agent=', 'agent'],
        [`agent=${'x'.repeat(65)}`, 'agent'],
        ['agent=lone-1&limit=0', 'limit'],
      ]) {
        const r = await call(tocsin, 'GET', `/api/commands?${query}`);
        assert.equal(r.status, 400, `${query}: ${r.text}`);
        assert.match(r.text, new RegExp(`"${field}"|${field}:`), query);
      }
    });
  });
}
