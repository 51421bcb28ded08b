import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type AgentMessageInput, commandSigningText, STDOUT_MAX } from '@tocsin/protocol';
import { memoryLog } from './agent-log.js';
import { CommandRunner, type ResultFrame } from './command-runner.js';

const keys = generateKeyPairSync('ed25519');
const commandKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const AGENT = 'agent-1';
let dir: string;
let n = 0;

function frame(command: string, over: { timeoutMs?: number; notAfter?: number; agentId?: string } = {}) {
  const f = {
    invocationId: `inv-${++n}`,
    command,
    timeoutMs: over.timeoutMs ?? 10_000,
    notAfter: over.notAfter ?? Date.now() + 60_000,
  };
  const signed = commandSigningText({ ...f, agentId: over.agentId ?? AGENT });
  const signature = sign(null, Buffer.from(signed), keys.privateKey).toString('base64');
  return { type: 'command.run' as const, runId: 'run-1', signature, ...f };
}

function runner(o: { enabled?: boolean; allow?: string[] } = {}) {
  const sent: AgentMessageInput[] = [];
  const r = new CommandRunner({
    enabled: o.enabled ?? true,
    allow: o.allow ?? [],
    agentId: AGENT,
    commandKey,
    stateDir: dir,
    log: memoryLog(),
    killAfterMs: 500,
  });
  r.connected((m) => sent.push(m) > 0);
  const result = (id: string) =>
    sent.find((m): m is ResultFrame => m.type === 'command.result' && m.invocationId === id);
  return { r, sent, result };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('command runner', () => {
  it('runs a command: started, then Success with its output', async () => {
    const { r, sent, result } = runner();
    const f = frame('echo hello; echo oops >&2');
    r.handleRun(f);
    await r.idle();
    assert.deepEqual(sent[0], { type: 'command.started', invocationId: f.invocationId });
    const res = result(f.invocationId)!;
    assert.equal(res.status, 'Success');
    assert.equal(res.exitCode, 0);
    assert.equal(res.stdout, 'hello\n');
    assert.equal(res.stderr, 'oops\n');
    assert.ok(JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'))[f.invocationId]);
  });

  it('reports a failing exit code as Failed', async () => {
    const { r, result } = runner();
    const f = frame('exit 3');
    r.handleRun(f);
    await r.idle();
    assert.equal(result(f.invocationId)!.status, 'Failed');
    assert.equal(result(f.invocationId)!.exitCode, 3);
  });

  it('kills the whole process group on a timeout', async () => {
    const { r, result } = runner();
    const pidFile = path.join(dir, 'child.pid');
    const f = frame(`sh -c 'echo $$ > ${pidFile}; trap "" TERM; sleep 30' & wait`, { timeoutMs: 300 });
    r.handleRun(f);
    await r.idle();
    const res = result(f.invocationId)!;
    assert.equal(res.status, 'TimedOut');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for a PID 1 that may not reap it in this container.
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `the grandchild that ignored SIGTERM is killed (state ${state})`);
  });

  it('cancels a running command', async () => {
    const { r, result } = runner();
    const f = frame('sleep 30');
    r.handleRun(f);
    r.handleCancel(f.invocationId);
    await r.idle();
    assert.equal(result(f.invocationId)!.status, 'Cancelled');
  });

  it('keeps STDOUT_MAX characters and says the rest was cut', async () => {
    const { r, result } = runner();
    const f = frame(`head -c ${STDOUT_MAX + 500} /dev/zero | tr '\\0' a; echo short >&2`);
    r.handleRun(f);
    await r.idle();
    const res = result(f.invocationId)!;
    assert.equal(res.stdout.length, STDOUT_MAX);
    assert.equal(res.stdoutTruncated, true);
    assert.equal(res.stderrTruncated, false);
  });

  it('refuses what is not allowed, not enabled, expired, badly signed or for another agent', async () => {
    const allowList = runner({ allow: ['systemctl status '] });
    const no = frame('rm -rf /tmp/x');
    allowList.r.handleRun(no);
    assert.equal(allowList.result(no.invocationId)!.status, 'Undeliverable');
    const yes = frame('systemctl status nothing-here || true');
    allowList.r.handleRun(yes);
    await allowList.r.idle();
    assert.equal(allowList.result(yes.invocationId)!.status, 'Success');

    const off = runner({ enabled: false });
    const f1 = frame('true');
    off.r.handleRun(f1);
    assert.match(off.result(f1.invocationId)!.reason!, /not enabled/);

    const on = runner();
    const late = frame('true', { notAfter: Date.now() - 1 });
    on.r.handleRun(late);
    assert.equal(on.result(late.invocationId)!.status, 'Undeliverable');
    const forged = { ...frame('true'), command: 'id' };
    on.r.handleRun(forged);
    assert.equal(on.result(forged.invocationId)!.status, 'Failed');
    assert.match(on.result(forged.invocationId)!.reason!, /signature/);
    const other = frame('true', { agentId: 'agent-2' });
    on.r.handleRun(other);
    assert.equal(on.result(other.invocationId)!.status, 'Failed');
    assert.ok(!on.sent.some((m) => m.type === 'command.started'));
  });

  it('does not run an invocation twice, across a restart; unsent results go after reconnecting', async () => {
    const first = runner();
    const marker = path.join(dir, 'ran');
    const f = frame(`echo x >> ${marker}`);
    first.r.disconnected();
    first.r.handleRun(f);
    await first.r.idle();
    assert.equal(first.result(f.invocationId), undefined, 'not sent while disconnected');
    const again = runner();
    assert.equal(again.result(f.invocationId)!.status, 'Success', 'sent after reconnecting, from results.json');
    again.r.handleRun(f);
    await again.r.idle();
    assert.equal(readFileSync(marker, 'utf8'), 'x\n');
    assert.equal(again.sent.filter((m) => m.type === 'command.result').length, 2, 'the result again');
    assert.ok(existsSync(path.join(dir, 'results.json')));
  });
});
