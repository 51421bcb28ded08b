import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type AgentMessage, agentMessageSchema, commandSigningText, type ServerMessage } from '@tocsin/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { Agent, EXIT_CONFIG } from './agent.js';
import { memoryLog } from './agent-log.js';
import { connectUrl } from './agent-connection.js';

const keys = generateKeyPairSync('ed25519');
const commandKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** Plays the server: enrolment over HTTP and the agents' WebSocket on one 127.0.0.1 port. */
class FakeServer {
  readonly http: Server;
  readonly wss = new WebSocketServer({ noServer: true });
  enrolments: unknown[] = [];
  auth: (string | undefined)[] = [];
  frames: AgentMessage[] = [];
  sockets: WebSocket[] = [];
  refuse = false;
  positions: Record<string, { file: string; to: number }> = {};
  ackLogs = true;
  constructor() {
    this.http = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.enrolments.push(JSON.parse(body));
        if (JSON.parse(body).token === 'bad') {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'the enrolment token is used up' } }));
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ agentId: 'agent-1', credential: 'cred-secret', commandKey }));
      });
    });
    this.http.on('upgrade', (req: IncomingMessage, socket, head) => {
      this.auth.push(req.headers.authorization);
      if (this.refuse) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }
  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data) => {
      const m = agentMessageSchema.parse(JSON.parse(data.toString()));
      this.frames.push(m);
      const send = (f: ServerMessage) => ws.send(JSON.stringify(f));
      if (m.type === 'hello')
        send({ type: 'welcome', agentId: 'agent-1', metricsEveryMs: 60_000, positions: this.positions });
      if (m.type === 'logs' && this.ackLogs) send({ type: 'ack', seq: m.seq });
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }
  of<T extends AgentMessage['type']>(type: T): Extract<AgentMessage, { type: T }>[] {
    return this.frames.filter((f): f is Extract<AgentMessage, { type: T }> => f.type === type);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    await new Promise((r) => this.http.close(r));
  }
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let server: FakeServer;
let url: string;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-'));
  server = new FakeServer();
  url = await server.listen();
});
const running: Agent[] = [];
afterEach(async () => {
  // A failed assertion leaves its agent running: stopped here, so that the file ends.
  for (const a of running.splice(0)) a.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Opts = { token?: string; logFile?: string; allowCommands?: boolean; metricsEveryMs?: number };
function agent(o: Opts = {}) {
  const a = new Agent(settings(o));
  running.push(a);
  return a;
}

function settings(o: Opts) {
  return {
    url,
    stateDir: path.join(dir, 'state'),
    hostname: 'web-1',
    tags: { role: 'web' },
    enrollToken: o.token,
    allowCommands: o.allowCommands ?? false,
    allowPrefixes: [],
    allowProbes: false,
    sources: o.logFile ? [{ name: 'app', group: 'web/app', path: o.logFile }] : [],
    log: memoryLog(),
    pollMs: 20,
    backoff: { baseMs: 20, maxMs: 100 },
    metricsEveryMs: o.metricsEveryMs,
  };
}

describe('agent against a real WebSocket server', () => {
  it('enrols once (0600), says hello with its bearer, answers ping, resumes at the welcome position', async () => {
    const logFile = path.join(dir, 'app.log');
    writeFileSync(logFile, 'old 1\nold 2\n');
    const s = statSync(logFile);
    server.positions = { app: { file: `${s.dev}:${s.ino}`, to: 'old 1\n'.length } };
    const a = agent({ token: 'tok-1', logFile });
    const done = a.run();
    await until('hello', () => server.of('hello').length === 1);
    const cred = path.join(dir, 'state', 'credential.json');
    assert.equal(statSync(cred).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dir, 'state')).mode & 0o777, 0o700);
    assert.equal(JSON.parse(readFileSync(cred, 'utf8')).credential, 'cred-secret');
    assert.deepEqual((server.enrolments[0] as { token: string; tags: unknown }).token, 'tok-1');
    assert.equal(server.auth[0], 'Bearer cred-secret');
    assert.equal(server.of('hello')[0].hostname, 'web-1');
    await until('logs', () => server.of('logs').length > 0);
    assert.deepEqual(
      server.of('logs').flatMap((b) => b.lines.map((l) => l.message)),
      ['old 2'],
      'the line the server had is not sent again',
    );
    await until('metrics and status', () => server.of('metrics').length > 0 && server.of('status').length > 0);
    assert.ok(server.of('metrics')[0].data.some((d) => d.name === 'mem_used_percent'));
    assert.equal(server.of('metrics')[0].storageResolution, 60, "the server's once a minute: standard resolution");
    assert.ok(server.of('status')[0].checks.every((c) => c.ok));
    server.sockets[0].send(JSON.stringify({ type: 'ping', id: 7 }));
    await until('pong', () => server.of('pong').some((p) => p.id === 7));
    a.stop();
    assert.equal(await done, 0);

    const again = agent({ token: 'tok-2' });
    const done2 = again.run();
    await until('second hello', () => server.of('hello').length === 2);
    assert.equal(server.enrolments.length, 1, 'a stored credential is not enrolled again');
    again.stop();
    assert.equal(await done2, 0);
  });

  it('reconnects after the server closes and sends an unacknowledged batch again', async () => {
    const logFile = path.join(dir, 'app.log');
    writeFileSync(logFile, 'a\n');
    server.ackLogs = false;
    const a = agent({ token: 'tok', logFile });
    const done = a.run();
    await until('first batch', () => server.of('logs').length === 1);
    server.ackLogs = true;
    server.sockets[0].close(1001, 'server restarting');
    await until('second hello', () => server.of('hello').length === 2);
    await until('batch resent', () => server.of('logs').length >= 2);
    assert.deepEqual(
      server.of('logs')[1].lines.map((l) => l.message),
      ['a'],
    );
    appendFileSync(logFile, 'b\n');
    await until('next line', () => server.of('logs').some((b) => b.lines.some((l) => l.message === 'b')));
    const positions = JSON.parse(readFileSync(path.join(dir, 'state', 'positions.json'), 'utf8'));
    await until('position saved', () => {
      const p = JSON.parse(readFileSync(path.join(dir, 'state', 'positions.json'), 'utf8'));
      return p.app.offset === 4;
    });
    assert.ok(positions.app.file);
    a.stop();
    assert.equal(await done, 0);
  });

  it('sends every second when told to, as high resolution, with the self-checks each time', async () => {
    const a = agent({ token: 'tok', metricsEveryMs: 1_000 });
    const done = a.run();
    await until('two rounds', () => server.of('metrics').length >= 2 && server.of('status').length >= 2, 5_000);
    assert.deepEqual(
      server.of('metrics').map((m) => m.storageResolution),
      server.of('metrics').map(() => 1),
    );
    a.stop();
    assert.equal(await done, 0);
  });

  it('runs a signed command sent over the connection and answers with its result', async () => {
    const a = agent({ token: 'tok', allowCommands: true });
    const done = a.run();
    await until('hello', () => server.of('hello').length === 1);
    assert.deepEqual(server.of('hello')[0].commands, { enabled: true, allow: [] });
    const f = { invocationId: 'inv-1', command: 'echo from-server', timeoutMs: 5000, notAfter: Date.now() + 60_000 };
    const signature = sign(null, Buffer.from(commandSigningText({ ...f, agentId: 'agent-1' })), keys.privateKey);
    server.sockets[0].send(
      JSON.stringify({ type: 'command.run', runId: 'r1', signature: signature.toString('base64'), ...f }),
    );
    await until('result', () => server.of('command.result').length === 1);
    assert.equal(server.of('command.started')[0].invocationId, 'inv-1');
    const r = server.of('command.result')[0];
    assert.equal(r.status, 'Success');
    assert.equal(r.stdout, 'from-server\n');
    a.stop();
    assert.equal(await done, 0);
  });

  it('exits 78 when the credential is refused (401)', async () => {
    server.refuse = true;
    const a = agent({ token: 'tok' });
    assert.equal(await a.run(), EXIT_CONFIG);
    assert.equal(server.auth.length, 1, 'no retry loop on a revoked credential');
  });

  it('exits 78 when the enrolment token is refused, storing nothing', async () => {
    const log = memoryLog();
    const a = new Agent({ ...settings({ token: 'bad' }), log });
    assert.equal(await a.run(), EXIT_CONFIG);
    assert.ok(log.lines.some((l) => /used up/.test(l.msg)));
    assert.throws(() => statSync(path.join(dir, 'state', 'credential.json')));
  });

  it('builds the WebSocket URL from the server URL', () => {
    assert.equal(connectUrl('https://t.example.com/'), 'wss://t.example.com/api/agents/connect');
    assert.equal(connectUrl('http://10.0.0.1:8080/tocsin'), 'ws://10.0.0.1:8080/tocsin/api/agents/connect');
  });
});
