/**
 * The cluster bench's probe target, in its own process: answers every request 200 "ok" (as bench/notify's bare
 * receiver does) and keeps a per-path hit log for the monitors' paths `/t/1` … `/t/N`.
 *
 * States: idle (no N yet: answers, logs nothing) → counting (after `reset`: the last hit time of every path) →
 * logging (after `mark`: also every hit in order, as path index and time, until the next `reset`; at most
 * LOG_MAX hits, then it keeps counting only). Times are Date.now() milliseconds, the parent's clock too.
 *
 * Messages from the parent (each answered with the same `id`):
 *   { type: 'reset', n }          forget everything; paths 1..n
 *   { type: 'mark' }              start the log; answers { at }
 *   { type: 'stale', since }      answers { notHitSince }: paths with no hit at or after `since`
 *   { type: 'report' }            answers { at, lastBefore, log, hits } (lastBefore: the last hit of each path
 *                                 before the mark, 0 for none; log: [index, time, index, time, …])
 */
import http from 'node:http';

const LOG_MAX = 2_000_000;

let n = 0;
let lastHit = new Float64Array(1);
let lastBefore = new Float64Array(1);
let log = new Float64Array(0);
let logged = 0;
let markAt = 0;
let hits = 0;

function hit(url: string | undefined): void {
  hits++;
  if (!url?.startsWith('/t/')) return;
  const i = Number(url.slice(3));
  if (!(i >= 1 && i <= n)) return;
  const now = Date.now();
  lastHit[i] = now;
  if (markAt && logged < LOG_MAX) {
    log[2 * logged] = i;
    log[2 * logged + 1] = now;
    logged++;
  }
}

const server = http.createServer((req, res) => {
  hit(req.url);
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 30_000;

type Message =
  | { id: number; type: 'reset'; n: number }
  | { id: number; type: 'mark' }
  | { id: number; type: 'stale'; since: number }
  | { id: number; type: 'report' };

function answer(m: Message): Record<string, unknown> {
  switch (m.type) {
    case 'reset':
      n = m.n;
      lastHit = new Float64Array(n + 1);
      lastBefore = new Float64Array(n + 1);
      log = new Float64Array(0);
      logged = 0;
      markAt = 0;
      hits = 0;
      return {};
    case 'mark':
      lastBefore = lastHit.slice();
      log = new Float64Array(2 * LOG_MAX);
      logged = 0;
      markAt = Date.now();
      return { at: markAt };
    case 'stale': {
      let notHitSince = 0;
      for (let i = 1; i <= n; i++) if (lastHit[i]! < m.since) notHitSince++;
      return { notHitSince };
    }
    case 'report':
      return { at: markAt, lastBefore: [...lastBefore], log: [...log.subarray(0, 2 * logged)], hits };
  }
}

process.on('message', (m: Message) => process.send?.({ id: m.id, ...answer(m) }));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
