import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { closeHttpAgents, httpRequest, outboundHeaders, sendHttp } from './http-sender.js';
import { webhookChannel } from './webhook-channel.js';
import { refusedUrl } from '../../test-support/scripted-receiver.js';

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Which connection carried it: 1 for the server's first socket. */
  socket: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A real node:http receiver on 127.0.0.1 whose answer each test sets; it numbers its sockets. */
class Receiver {
  readonly seen: Seen[] = [];
  readonly closedSockets: number[] = [];
  handle: Handler = (_req, res) => res.end('ok');
  private sockets = new WeakMap<Socket, number>();
  private count = 0;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.seen.push({ headers: req.headers, body, socket: this.sockets.get(req.socket) ?? 0 });
      this.handle(req, res);
    });
  });

  constructor() {
    this.server.on('connection', (socket: Socket) => {
      const id = ++this.count;
      this.sockets.set(socket, id);
      socket.on('close', () => this.closedSockets.push(id));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('http sender', { timeout: 20_000 }, () => {
  let receiver: Receiver;

  before(async () => {
    receiver = await new Receiver().start();
  });
  beforeEach(async () => {
    // Each test starts on a fresh agent, so socket numbers compare within one test.
    await closeHttpAgents();
    receiver.seen.length = 0;
    receiver.handle = (_req, res) => res.end('ok');
  });
  after(async () => {
    await closeHttpAgents();
    await receiver.stop();
  });

  it('reuses one keep-alive connection for sends in turn', async () => {
    const ok = { ok: true, status: 200 };
    assert.deepEqual(await sendHttp({ url: `${receiver.url}/a`, body: 'one', timeoutMs: 2000 }), ok);
    // undici frees a connection a tick after its body ends; the outbox always does some work between two sends.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await sendHttp({ url: `${receiver.url}/b`, body: 'two', timeoutMs: 2000 }), ok);
    assert.deepEqual(
      receiver.seen.map((s) => s.body),
      ['one', 'two'],
    );
    assert.equal(receiver.seen[0].socket, receiver.seen[1].socket, 'the second send rides the first one’s socket');
  });

  it('opens at most 64 connections to one origin', async () => {
    const held: http.ServerResponse[] = [];
    receiver.handle = (_req, res) => void held.push(res);
    const send = () => sendHttp({ url: receiver.url, body: 'x', timeoutMs: 8000 });
    const sends = Promise.all(Array.from({ length: 100 }, send));
    await until(() => held.length === 64, '64 requests in flight', 6000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(held.length, 64, 'a 65th connection would have brought its request by now');
    receiver.handle = (_req, res) => res.end('ok');
    for (const res of held) res.end('ok');
    assert.ok((await sends).every((o) => o.ok));
    assert.equal(receiver.seen.length, 100);
    assert.equal(new Set(receiver.seen.map((s) => s.socket)).size, 64, 'the other 36 waited for a free connection');
  });

  it('reads at most 64 KiB of a 10 MB answer, then drops the connection', async () => {
    const total = 10 * 1024 * 1024;
    let written = 0;
    let finished = false;
    receiver.handle = (_req, res) => {
      res.writeHead(503, { 'content-length': String(total) });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (written >= total) res.end(() => (finished = true));
      };
      pump();
    };
    const before = process.memoryUsage();
    const res = await httpRequest({ url: receiver.url, body: 'x', timeoutMs: 5000 });
    const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    assert.equal(res.status, 503);
    assert.equal(res.body.length, 64 * 1024);
    await until(() => receiver.closedSockets.includes(receiver.seen[0].socket), 'the sender to drop the connection');
    assert.equal(finished, false, `the receiver could not send it all (${written} bytes written)`);
    assert.ok(grown < 4 * 1024 * 1024, `buffers grew by ${grown} bytes`);
  });

  it('times out a receiver that sends headers and then stalls the body', async () => {
    receiver.handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('a few bytes');
    };
    const started = Date.now();
    const outcome = await sendHttp({ url: receiver.url, body: 'x', timeoutMs: 300 });
    const took = Date.now() - started;
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'timeout after 300 ms' });
    assert.ok(took >= 290 && took < 1500, `ended after ${took} ms`);
  });

  it('times out a receiver that never answers', async () => {
    receiver.handle = () => {};
    const started = Date.now();
    const outcome = await sendHttp({ url: receiver.url, body: 'x', timeoutMs: 250 });
    const took = Date.now() - started;
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'timeout after 250 ms' });
    assert.ok(took >= 240 && took < 1500, `ended after ${took} ms`);
  });

  it('reports a refused port as a retryable error', async () => {
    assert.deepEqual(await sendHttp({ url: await refusedUrl(), body: 'x', timeoutMs: 2000 }), {
      ok: false,
      retryable: true,
      error: 'connection refused',
    });
  });

  it('reports a connection the receiver drops without answering as a reset', async () => {
    receiver.handle = (req) => req.socket.destroy();
    const outcome = await sendHttp({ url: receiver.url, body: 'x', timeoutMs: 2000 });
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection reset' });
  });

  it('does not follow redirects', async () => {
    receiver.handle = (_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    };
    const outcome = await sendHttp({ url: `${receiver.url}/hook`, body: 'x', timeoutMs: 2000 });
    const expected = { ok: false, retryable: false, status: 302, error: 'status 302', retryAfterMs: undefined };
    assert.deepEqual(outcome, expected);
    assert.equal(receiver.seen.length, 1);
  });

  it('passes Retry-After on', async () => {
    receiver.handle = (_req, res) => {
      res.writeHead(429, { 'retry-after': '3' });
      res.end('slow down');
    };
    const outcome = await sendHttp({ url: receiver.url, body: 'x', timeoutMs: 2000 });
    const expected = { ok: false, retryable: true, status: 429, error: 'status 429: slow down', retryAfterMs: 3000 };
    assert.deepEqual(outcome, expected);
  });

  it('drops framing and hop-by-hop headers a webhook subscription sets, whatever their case', async () => {
    const headers = {
      'Content-Length': '1',
      'TRANSFER-ENCODING': 'chunked',
      Connection: 'close',
      'Keep-Alive': 'timeout=1',
      Upgrade: 'websocket',
      Expect: '100-continue',
      Host: 'elsewhere.example',
      'Content-Type': 'text/plain',
      'X-Team': 'ops',
    };
    const outcome = await webhookChannel.send(webhookRequest(receiver.url, headers));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const [seen] = receiver.seen;
    assert.equal(JSON.parse(seen.body).deliveryId, 'd-1', 'the body arrives whole');
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
    assert.equal(seen.headers.host, new URL(receiver.url).host);
    assert.equal(seen.headers['content-type'], 'application/json', 'the delivery headers win');
    assert.equal(seen.headers['x-team'], 'ops');
    for (const name of ['transfer-encoding', 'keep-alive', 'upgrade', 'expect']) {
      assert.equal(seen.headers[name], undefined, name);
    }
    assert.notEqual(seen.headers.connection, 'close');
  });

  it('sends the origin header of the instance, over a subscription’s own header of that name', async () => {
    const outcome = await webhookChannel.send({
      ...webhookRequest(receiver.url, { 'X-Tocsin-Origin': 'forged' }),
      origin: 'node-a',
    });
    assert.deepEqual(outcome, { ok: true, status: 200 });
    assert.equal(receiver.seen[0].headers['x-tocsin-origin'], 'node-a');
    await webhookChannel.send(webhookRequest(receiver.url, {}));
    assert.equal(receiver.seen[1].headers['x-tocsin-origin'], undefined, 'none without an origin');
  });

  it('turns a header value undici refuses into an error outcome, not a throw', async () => {
    const outcome = await webhookChannel.send(webhookRequest(receiver.url, { 'X-Bad': 'a\r\nInjected: 1' }));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'invalid x-bad header' });
    assert.equal(receiver.seen.length, 0);
  });

  it('lower-cases names so a later duplicate wins, as node:http did', () => {
    const headers = outboundHeaders({ 'User-Agent': 'mine', 'X-A': '1', 'x-a': '2', HOST: 'h' });
    assert.deepEqual(headers, { 'user-agent': 'mine', 'x-a': '2' });
  });

  it('closes idle keep-alive sockets on close, and sends again afterwards', async () => {
    await sendHttp({ url: receiver.url, body: 'one', timeoutMs: 2000 });
    const first = receiver.seen[0].socket;
    await closeHttpAgents();
    await until(() => receiver.closedSockets.includes(first), 'the idle socket to close');
    assert.deepEqual(await sendHttp({ url: receiver.url, body: 'two', timeoutMs: 2000 }), { ok: true, status: 200 });
    assert.notEqual(receiver.seen[1].socket, first);
  });
});

function webhookRequest(endpoint: string, headers: Record<string, string>): Parameters<typeof webhookChannel.send>[0] {
  return {
    deliveryId: 'd-1',
    purpose: 'event',
    attempt: 1,
    event: {
      id: 'e-1',
      topic: 'ops',
      time: Date.UTC(2025, 0, 2),
      kind: 'monitor.down',
      severity: 'error',
      source: { type: 'monitor', name: 'api', tags: {} },
      title: 'API is down',
      text: 'answered 503',
      attributes: {},
      dedupKey: 'monitor:api',
    },
    spec: { protocol: 'webhook', endpoint, headers },
    subscriptionName: 'hook',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}
