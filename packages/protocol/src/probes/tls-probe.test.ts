import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { tlsProbeSchema } from '../monitor-probes.js';
import { opensslSkip, selfSigned } from './test-support/self-signed.js';
import { tlsProbe } from './tls-probe.js';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('tls probe', { skip: opensslSkip }, () => {
  const servers: net.Server[] = [];
  const ports: Record<string, number> = {};
  const serverNames: string[] = [];
  const spec = (port: number, extra: Record<string, unknown> = {}) =>
    tlsProbeSchema.parse({ type: 'tls', host: '127.0.0.1', port, ...extra });
  const run = (port: number, extra: Record<string, unknown> = {}, timeoutMs = 5000) =>
    tlsProbe.run(spec(port, extra), { timeoutMs });

  before(async () => {
    for (const [name, days] of [
      ['ten', 10],
      ['year', 400],
      ['expired', -3],
    ] as const) {
      const pair = selfSigned(days);
      const SNICallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
        serverNames.push(servername);
        cb(null, tls.createSecureContext(pair));
      };
      const server = tls.createServer({ ...pair, SNICallback }, (s) => s.end());
      servers.push(server);
      ports[name] = await listen(server);
    }
  });
  after(async () => {
    for (const s of servers) await close(s);
  });

  it('is down with fewer days left than minDaysLeft, and up from there on', async () => {
    const r = await run(ports.ten, { verifyTls: false });
    assert.deepEqual([r.up, r.reason], [false, 'certificate expires in 9 days, fewer than 14']);
    const daysLeft = ((r.certExpiresAt ?? 0) - Date.now()) / 86_400_000;
    assert.ok(daysLeft > 9 && daysLeft <= 10, `${daysLeft} days left`);
    assert.equal((await run(ports.ten, { verifyTls: false, minDaysLeft: 10 })).up, false);
    const nine = await run(ports.ten, { verifyTls: false, minDaysLeft: 9 });
    assert.equal(nine.up, true, nine.reason);
    assert.match(nine.reason, /^certificate expires in 9 days \(handshake in \d+ ms\)$/);
    assert.ok(nine.timings.connectMs !== undefined && nine.timings.tlsMs !== undefined);
    const year = await run(ports.year, { verifyTls: false });
    assert.equal(year.up, true, year.reason);
    assert.match(year.reason, /^certificate expires in 399 days/);
  });

  it('is down on an expired certificate, saying how long ago', async () => {
    const r = await run(ports.expired, { verifyTls: false, minDaysLeft: 0 });
    assert.deepEqual([r.up, r.reason], [false, 'certificate expired 3 days ago']);
    assert.ok((r.certExpiresAt ?? Infinity) < Date.now());
    assert.equal((await run(ports.expired)).reason, 'certificate expired 3 days ago', 'expiry before trust');
  });

  it('is down on an untrusted certificate while verifying, and still reports its expiry', async () => {
    const r = await run(ports.year);
    assert.equal(r.up, false);
    assert.equal(r.reason, 'certificate not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    assert.ok(r.certExpiresAt !== undefined);
  });

  it('sends the server name (SNI) when given one, and none for an IP address', async () => {
    serverNames.length = 0;
    await run(ports.year, { verifyTls: false });
    await run(ports.year, { verifyTls: false, servername: 'status.example.test' });
    assert.deepEqual(serverNames, ['status.example.test']);
  });

  it('says connection refused, and times out on a server that never answers the handshake', async () => {
    const closed = net.createServer();
    const closedPort = await listen(closed);
    await close(closed);
    assert.equal((await run(closedPort)).reason, 'connection refused');
    const mute = net.createServer((s) => s.resume());
    const mutePort = await listen(mute);
    try {
      const t0 = Date.now();
      const r = await run(mutePort, {}, 300);
      assert.deepEqual([r.up, r.reason], [false, 'timeout after 300 ms']);
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await close(mute);
    }
  });

  it('reports a handshake failure when the server does not speak TLS', async () => {
    const plain = net.createServer((s) => s.resume().end('SSH-2.0-OpenSSH_9.6\r\n'));
    const port = await listen(plain);
    try {
      const r = await run(port);
      assert.equal(r.up, false);
      assert.equal(r.reason, 'TLS handshake failed: wrong version number (does this port speak TLS?)');
    } finally {
      await close(plain);
    }
  });
});
