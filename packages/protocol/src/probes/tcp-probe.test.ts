import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tcpProbeSchema } from '../monitor-probes.js';
import { tcpProbe } from './tcp-probe.js';

const spec = (port: number) => tcpProbeSchema.parse({ type: 'tcp', host: '127.0.0.1', port });

/** Connects and reports whether the kernel completed the handshake within `ms`. */
function connects(port: number, ms: number, keep: net.Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    keep.push(s);
    const timer = setTimeout(() => resolve(false), ms);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('tcp probe', () => {
  const server = net.createServer((s) => s.end());
  let port = 0;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is up when the port accepts, and times the connect', async () => {
    const r = await tcpProbe.run(spec(port), { timeoutMs: 2000 });
    assert.equal(r.up, true, r.reason);
    assert.match(r.reason, /^connected in \d+ ms$/);
    assert.ok(r.timings.connectMs !== undefined && r.timings.connectMs <= r.timings.totalMs);
  });

  it('says connection refused for a closed port', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await tcpProbe.run(spec(closedPort), { timeoutMs: 2000 });
    assert.deepEqual([r.up, r.reason], [false, 'connection refused']);
  });

  it('is down at the timeout when the handshake gets no answer', async (t) => {
    // A listener whose accept queue is full drops new SYNs, so a connect hangs
    // on 127.0.0.1. Node accepts at once, so the listener is a child process
    // whose event loop is blocked after listening.
    const child: ChildProcess = spawn(process.execPath, [
      '-e',
      `const s = require('net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
       });`,
    ]);
    const keep: net.Socket[] = [];
    t.after(() => {
      for (const s of keep) s.destroy();
      child.kill();
    });
    const stuckPort = await new Promise<number>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    });
    let filled = false;
    for (let i = 0; i < 16 && !filled; i++) filled = !(await connects(stuckPort, 200, keep));
    if (!filled) return t.skip('the kernel kept accepting connections: cannot make a connect hang locally');
    const t0 = Date.now();
    const r = await tcpProbe.run(spec(stuckPort), { timeoutMs: 300 });
    const took = Date.now() - t0;
    assert.deepEqual([r.up, r.reason], [false, 'timeout after 300 ms']);
    assert.ok(took >= 280 && took < 2000, `took ${took} ms`);
  });

  it('is cancelled by its signal', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal((await tcpProbe.run(spec(port), { timeoutMs: 2000, signal: ac.signal })).reason, 'check cancelled');
  });
});
