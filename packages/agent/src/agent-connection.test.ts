import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { AgentConnection } from './agent-connection.js';
import { memoryLog } from './agent-log.js';

async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('agent connection', () => {
  let wss: WebSocketServer;
  let url: string;
  let accepted = 0;

  before(async () => {
    // A server that welcomes, then never sends anything again and never closes: a peer gone without a word.
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws) => {
      accepted++;
      ws.once('message', () =>
        ws.send(JSON.stringify({ type: 'welcome', agentId: 'a', metricsEveryMs: 60_000, positions: {} })),
      );
    });
  });
  after(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });

  it('ends a connection the server went silent on, and connects again', async () => {
    const log = memoryLog();
    let welcomes = 0;
    const conn = new AgentConnection({
      url,
      credential: 'c',
      hello: { type: 'hello', protocol: 1, version: 't', hostname: 'h', commands: { enabled: false, allow: [] } },
      log,
      onWelcome: () => welcomes++,
      onMessage: () => {},
      onDisconnected: () => {},
      backoff: { baseMs: 10, maxMs: 20 },
      silentMs: 150,
    });
    const ended = conn.run();
    await until(() => welcomes >= 2 && accepted >= 2, 5_000, 'a second connection after the silence');
    assert.ok(log.lines.some((l) => /sent nothing for too long/.test(l.msg)));
    conn.stop();
    assert.equal(await ended, 'stopped');
  });
});
