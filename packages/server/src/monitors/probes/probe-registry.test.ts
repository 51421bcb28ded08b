import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { probeSpecSchema, probeTypes, type ProbeSpec } from '@tocsin/protocol';
import { probes, runProbe } from './probe-registry.js';

describe('probe registry', () => {
  const server = net.createServer((s) => s.end());
  let port = 0;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('has one probe per probe type, keyed by its type', () => {
    assert.deepEqual(Object.keys(probes).sort(), [...probeTypes].sort());
    for (const [type, probe] of Object.entries(probes)) assert.equal(probe.type, type);
  });

  it('dispatches on type', async () => {
    const r = await runProbe(probeSpecSchema.parse({ type: 'tcp', host: '127.0.0.1', port }), { timeoutMs: 2000 });
    assert.equal(r.up, true, r.reason);
    assert.match(r.reason, /^connected in/);
  });

  it('never throws: an unknown type or a probe that throws becomes a down result', async () => {
    const unknown = await runProbe({ type: 'icmp', host: '127.0.0.1' } as unknown as ProbeSpec, { timeoutMs: 1000 });
    assert.deepEqual([unknown.up, unknown.reason], [false, "unknown probe type 'icmp'"]);
    // Not validated by the schema, so node:net throws on the port.
    const thrown = await runProbe({ type: 'tcp', host: '127.0.0.1', port: 70000 }, { timeoutMs: 1000 });
    assert.equal(thrown.up, false);
    assert.match(thrown.reason, /^probe failed: .*port/i);
    const badHeader = await runProbe(
      {
        ...probeSpecSchema.parse({ type: 'http', url: `http://127.0.0.1:${port}/` }),
        headers: { 'x-bad': 'a\nb' },
      } as ProbeSpec,
      { timeoutMs: 1000 },
    );
    assert.equal(badHeader.up, false);
    assert.match(badHeader.reason, /header/i);
  });

  it('returns at once when already cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const spec of [
      { type: 'http', url: `http://127.0.0.1:${port}/` },
      { type: 'tcp', host: '127.0.0.1', port },
      { type: 'dns', query: 'probe.test', resolver: `127.0.0.1:${port}` },
      { type: 'tls', host: '127.0.0.1', port },
    ]) {
      const r = await runProbe(probeSpecSchema.parse(spec), { timeoutMs: 1000, signal: ac.signal });
      assert.deepEqual([r.up, r.reason], [false, 'check cancelled'], spec.type);
    }
  });
});
