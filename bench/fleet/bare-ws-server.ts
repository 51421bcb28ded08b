/**
 * The baseline of bench/fleet: a bare `ws` server in a process of its own, holding connections and doing no
 * more than the protocol's floor. Each connection's first frame is its hello, answered with a welcome; on a line
 * `broadcast` on stdin it sends one command frame to every connection and prints `done <ms>` once each has
 * answered with a result; on `rss` it prints its RSS. Prints `port <n>` when it listens.
 */
import { createInterface } from 'node:readline';
import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const clients = new Set<WebSocket>();
let waiting = 0;
let started = 0;

wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as { type: string };
    if (m.type === 'hello')
      ws.send(JSON.stringify({ type: 'welcome', agentId: 'bare', metricsEveryMs: 60_000, positions: {} }));
    else if (m.type === 'command.result' && waiting > 0 && --waiting === 0)
      console.log(`done ${(performance.now() - started).toFixed(1)}`);
  });
});

wss.on('listening', () => {
  const address = wss.address();
  console.log(`port ${address && typeof address === 'object' ? address.port : address}`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'rss') console.log(`rss ${process.memoryUsage().rss}`);
  else if (line === 'broadcast') {
    waiting = clients.size;
    started = performance.now();
    let i = 0;
    for (const ws of clients)
      ws.send(
        JSON.stringify({
          type: 'command.run',
          invocationId: `bare-${i++}`,
          runId: 'bare',
          command: 'true',
          timeoutMs: 60_000,
          notAfter: Date.now() + 60_000,
          signature: '',
        }),
      );
  } else if (line === 'exit') process.exit(0);
});
