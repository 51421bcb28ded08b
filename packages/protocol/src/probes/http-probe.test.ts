import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpProbeSchema, type HttpProbeSpec } from '../monitor-probes.js';
import { opensslSkip, selfSigned } from './test-support/self-signed.js';
import { httpProbe, MAX_BODY_BYTES } from './http-probe.js';

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The test site: each path is one behaviour. */
function site(seen: Seen[], other?: () => string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      seen.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const hop = /^\/r\/(\d+)$/.exec(url);
      if (hop) {
        const n = Number(hop[1]);
        res.writeHead(302, { location: n > 1 ? `/r/${n - 1}` : '/ok' }).end();
      } else if (url === '/ok') res.end('all systems OK');
      else if (url === '/503') res.writeHead(503).end('busy');
      else if (url === '/404') res.writeHead(404).end();
      else if (url === '/json')
        res
          .setHeader('content-type', 'application/json')
          .end(JSON.stringify({ status: 'down', data: { items: [{ status: 'up', n: [1, 2] }] } }));
      else if (url === '/slow') setTimeout(() => res.end('late'), 150);
      else if (url === '/hang') return;
      else if (url === '/big') res.end(`${Buffer.alloc(2 * MAX_BODY_BYTES, 'a').toString()}END`);
      else if (url === '/away' && other) res.writeHead(307, { location: `${other()}/ok` }).end();
      else if (url === '/see-other') res.writeHead(303, { location: '/ok' }).end();
      else res.writeHead(404).end();
    });
  };
}

describe('http probe', () => {
  const seen: Seen[] = [];
  const seenElsewhere: Seen[] = [];
  const other = http.createServer(site(seenElsewhere));
  const server = http.createServer(site(seen, () => `http://127.0.0.1:${(other.address() as AddressInfo).port}`));
  let base = '';
  const spec = (url: string, extra: Record<string, unknown> = {}): HttpProbeSpec =>
    httpProbeSchema.parse({ type: 'http', url: base + url, ...extra });
  const run = (s: HttpProbeSpec, timeoutMs = 5000) => httpProbe.run(s, { timeoutMs });

  before(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
    await listen(other);
  });
  after(async () => {
    await close(server);
    await close(other);
  });

  it('is up on a 2xx, says the status and time, and times the phases', async () => {
    const r = await run(spec('/ok'));
    assert.equal(r.up, true, r.reason);
    assert.match(r.reason, /^status 200 in \d+ ms$/);
    assert.equal(r.statusCode, 200);
    assert.ok(r.timings.connectMs !== undefined && r.timings.firstByteMs !== undefined);
    assert.ok(r.timings.totalMs >= r.timings.connectMs);
    assert.equal(r.timings.dnsMs, undefined, 'an IP address needs no lookup');
    assert.equal(r.certExpiresAt, undefined);
  });

  it('is down on a status outside the expected ones, and accepts listed codes and ranges', async () => {
    const r = await run(spec('/503'));
    assert.deepEqual([r.up, r.reason, r.statusCode], [false, 'status 503, expected 200–299', 503]);
    assert.equal((await run(spec('/404', { expectedStatus: [404, '500-503'] }))).up, true);
    assert.equal((await run(spec('/503', { expectedStatus: [404, '500-503'] }))).up, true);
    assert.equal(
      (await run(spec('/ok', { expectedStatus: [404, '500-503'] }))).reason,
      'status 200, expected 404, 500–503',
    );
  });

  it('follows redirects up to the maximum', async () => {
    assert.equal((await run(spec('/r/3'))).reason.startsWith('status 200'), true);
    const r = await run(spec('/r/3', { maxRedirects: 2 }));
    assert.equal(r.up, false);
    assert.equal(r.reason, 'more than 2 redirects (stopped before /ok)');
    assert.equal((await run(spec('/r/3', { maxRedirects: 3 }))).up, true);
    const noFollow = await run(spec('/r/1', { followRedirects: false }));
    assert.deepEqual([noFollow.up, noFollow.reason], [false, 'status 302, expected 200–299']);
    assert.equal((await run(spec('/r/1', { followRedirects: false, expectedStatus: [302] }))).up, true);
  });

  it('turns a POST into a GET on 303, and sends no credentials to another origin', async () => {
    seen.length = 0;
    const post = await run(
      spec('/see-other', { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }),
    );
    assert.equal(post.up, true, post.reason);
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body]),
      [
        ['POST', '/see-other', '{"a":1}'],
        ['GET', '/ok', ''],
      ],
    );
    seen.length = 0;
    const away = await run(spec('/away', { auth: { type: 'bearer', token: 'secret-token' } }));
    assert.equal(away.up, true, away.reason);
    assert.equal(seen[0].headers.authorization, 'Bearer secret-token');
    assert.equal(seenElsewhere.at(-1)?.headers.authorization, undefined);
  });

  it('checks the body: text, regular expression and JSON path', async () => {
    assert.equal((await run(spec('/ok', { bodyContains: 'OK' }))).up, true);
    assert.equal((await run(spec('/ok', { bodyContains: 'FINE' }))).reason, "body does not contain 'FINE'");
    assert.equal((await run(spec('/ok', { bodyMatches: '^all \\w+ OK$' }))).up, true);
    assert.equal((await run(spec('/ok', { bodyMatches: '^nope' }))).reason, 'body does not match /^nope/');
    assert.equal((await run(spec('/json', { jsonPath: '$.data.items[0].status', jsonEquals: 'up' }))).up, true);
    assert.equal((await run(spec('/json', { jsonPath: '$.data.items[0].n', jsonEquals: [1, 2] }))).up, true);
    assert.equal((await run(spec('/json', { jsonPath: '$.data' }))).up, true, 'a path alone must exist');
    assert.equal(
      (await run(spec('/json', { jsonPath: '$.status', jsonEquals: 'up' }))).reason,
      'JSON $.status is "down", expected "up"',
    );
    assert.equal(
      (await run(spec('/json', { jsonPath: '$.data.items[3].status' }))).reason,
      'JSON $.data.items[3].status is missing',
    );
    assert.equal((await run(spec('/ok', { jsonPath: '$.status' }))).reason, 'body is not JSON');
  });

  it('reads at most 1 MiB of body: more is cut, not an error', async () => {
    const plain = await run(spec('/big'));
    assert.equal(plain.up, true, plain.reason);
    const r = await run(spec('/big', { bodyContains: 'END' }));
    assert.equal(r.reason, "body does not contain 'END' (in the first 1 MiB)");
    assert.equal((await run(spec('/big', { bodyContains: 'aaa' }))).up, true);
  });

  it('is down when the answer takes longer than the maximum response time', async () => {
    const r = await run(spec('/slow', { maxResponseTimeMs: 50 }));
    assert.equal(r.up, false);
    assert.match(r.reason, /^response took \d+ ms, more than 50 ms$/);
    assert.equal((await run(spec('/slow', { maxResponseTimeMs: 5000 }))).up, true);
  });

  it('ends a check that gets no answer at the timeout', async () => {
    const t0 = Date.now();
    const r = await run(spec('/hang'), 300);
    const took = Date.now() - t0;
    assert.deepEqual([r.up, r.reason], [false, 'timeout after 300 ms']);
    assert.ok(took >= 280 && took < 2000, `took ${took} ms`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const cancelled = await httpProbe.run(spec('/hang'), { timeoutMs: 5000, signal: ac.signal });
    assert.equal(cancelled.reason, 'check cancelled');
  });

  it('sends basic and bearer credentials, headers, method and body', async () => {
    seen.length = 0;
    await run(spec('/ok', { auth: { type: 'basic', username: 'ops', password: 'p:ss' } }));
    await run(
      spec('/ok', {
        auth: { type: 'bearer', token: 't0ken' },
        method: 'PUT',
        body: 'hello',
        headers: { 'X-Probe': 'yes' },
      }),
    );
    // Found by what they carry: under load, a request of an earlier test can still arrive after `seen` was cleared.
    const basic = seen.find((s) => String(s.headers.authorization).startsWith('Basic '));
    const bearer = seen.find((s) => s.method === 'PUT');
    assert.equal(basic?.headers.authorization, `Basic ${Buffer.from('ops:p:ss').toString('base64')}`);
    assert.deepEqual(
      [bearer?.headers.authorization, bearer?.headers['x-probe'], bearer?.body],
      ['Bearer t0ken', 'yes', 'hello'],
    );
    assert.match(String(basic?.headers['user-agent']), /^Tocsin/);
  });

  it('says connection refused for a closed port', async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await close(closed);
    const r = await httpProbe.run(httpProbeSchema.parse({ type: 'http', url: `http://127.0.0.1:${port}/` }), {
      timeoutMs: 2000,
    });
    assert.deepEqual([r.up, r.reason], [false, 'connection refused']);
  });
});

describe('https probe', { skip: opensslSkip }, () => {
  let server: https.Server;
  let base = '';
  const spec = (extra: Record<string, unknown> = {}) =>
    httpProbeSchema.parse({ type: 'http', url: `${base}/ok`, ...extra });

  before(async () => {
    server = https.createServer(selfSigned(10), site([]));
    base = `https://127.0.0.1:${await listen(server)}`;
  });
  after(() => close(server));

  it('is down on a self-signed certificate while verifying', async () => {
    const r = await httpProbe.run(spec(), { timeoutMs: 5000 });
    assert.equal(r.up, false);
    assert.match(r.reason, /^TLS certificate not trusted: self[- ]signed certificate/);
  });

  it('without verifying, is up, times the handshake and warns of the expiry', async () => {
    const r = await httpProbe.run(spec({ verifyTls: false }), { timeoutMs: 5000 });
    assert.equal(r.up, true, r.reason);
    assert.ok(r.timings.tlsMs !== undefined && r.timings.tlsMs > 0);
    const daysLeft = ((r.certExpiresAt ?? 0) - Date.now()) / 86_400_000;
    assert.ok(daysLeft > 9 && daysLeft <= 10, `${daysLeft} days left`);
    assert.equal(r.warning, 'certificate expires in 9 days');
    assert.equal(
      (await httpProbe.run(spec({ verifyTls: false, certExpiryWarningDays: 9 }), { timeoutMs: 5000 })).warning,
      undefined,
    );
    assert.equal(
      (await httpProbe.run(spec({ verifyTls: false, certExpiryWarningDays: 10 }), { timeoutMs: 5000 })).warning,
      'certificate expires in 9 days',
    );
    assert.equal(
      (await httpProbe.run(spec({ verifyTls: false, certExpiryWarningDays: 0 }), { timeoutMs: 5000 })).warning,
      undefined,
    );
  });
});
