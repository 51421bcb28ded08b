import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type AgentMessageInput, probeSigningText } from '@tocsin/protocol';
import { memoryLog } from './agent-log.js';
import { ProbeRunner } from './probe-runner.js';

const keys = generateKeyPairSync('ed25519');
const commandKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const AGENT = 'agent-1';
let n = 0;

function frame(spec: Record<string, unknown>, over: { deadline?: number; agentId?: string } = {}) {
  const f = {
    checkId: `check-${++n}`,
    monitor: 'shop',
    spec,
    timeoutMs: 2_000,
    deadline: over.deadline ?? Date.now() + 10_000,
  };
  const text = probeSigningText({ ...f, agentId: over.agentId ?? AGENT });
  return { type: 'probe' as const, ...f, signature: sign(null, Buffer.from(text), keys.privateKey).toString('base64') };
}

function runner(enabled = true) {
  const sent: AgentMessageInput[] = [];
  const log = memoryLog();
  const r = new ProbeRunner({ enabled, agentId: AGENT, commandKey, log });
  r.connected((m) => sent.push(m) > 0);
  return { r, sent, log };
}

describe('probe runner', () => {
  const target = net.createServer((s) => s.end());
  let open = 0;
  let closed = 0;
  before(async () => {
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    open = (target.address() as net.AddressInfo).port;
    // A port that was just free: nothing listens there.
    const spare = net.createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    closed = (spare.address() as net.AddressInfo).port;
    await new Promise((r) => spare.close(r));
  });
  after(() => new Promise((r) => target.close(r)));

  it('runs a signed probe with the shared probe code and answers its result', async () => {
    const { r, sent } = runner();
    const up = frame({ type: 'tcp', host: '127.0.0.1', port: open });
    const down = frame({ type: 'tcp', host: '127.0.0.1', port: closed });
    r.handle(up);
    r.handle(down);
    await r.idle();
    const byCheck = new Map(sent.map((m) => [(m as { checkId: string }).checkId, m]));
    assert.deepEqual(
      { ...byCheck.get(up.checkId), latencyMs: 0 },
      {
        type: 'probe.result',
        checkId: up.checkId,
        ok: true,
        latencyMs: 0,
        message: (byCheck.get(up.checkId) as { message: string }).message,
      },
    );
    assert.match((byCheck.get(up.checkId) as { message: string }).message, /connected/);
    const refused = byCheck.get(down.checkId) as { ok: boolean; message: string };
    assert.equal(refused.ok, false);
    assert.equal(refused.message, 'connection refused');
  });

  it('answers nothing to a frame it must not run', async () => {
    const spec = { type: 'tcp', host: '127.0.0.1', port: open };
    const off = runner(false);
    off.r.handle(frame(spec));
    await off.r.idle();
    assert.equal(off.sent.length, 0);
    assert.match(off.log.lines.at(-1)!.msg, /probe refused/);

    const { r, sent, log } = runner();
    r.handle(frame(spec, { agentId: 'agent-2' }));
    r.handle({ ...frame(spec), monitor: 'other' });
    r.handle(frame(spec, { deadline: Date.now() - 1 }));
    r.handle(frame({ type: 'object', path: '/etc/hostname' }));
    r.handle(frame({ type: 'tcp', host: '127.0.0.1' }));
    await r.idle();
    assert.equal(sent.length, 0);
    const reasons = log.lines.filter((l) => l.msg === 'probe refused').length;
    assert.equal(reasons, 5);
  });
});
