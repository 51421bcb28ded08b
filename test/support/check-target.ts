import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetHit {
  /** The monitor's number, from the path `/m/<n>`. */
  monitor: number;
  /** This monitor's request count, from 0. */
  seq: number;
  at: number;
  good: boolean;
}

/**
 * An HTTP target for monitors on 127.0.0.1: `/m/<n>` answers as `good(n,
 * seq)` says, after `delayMs(n, seq)`, and logs every request as it
 * arrives. The status carries the request's number (200 + seq for a good
 * answer, 500 + seq for a bad one, seq < 100), so a monitor event's
 * `statusCode` names the check that caused it.
 */
export class CheckTarget {
  readonly hits: TargetHit[] = [];
  private readonly counts = new Map<number, number>();
  good: (monitor: number, seq: number) => boolean = () => true;
  delayMs: (monitor: number, seq: number) => number = () => 0;
  private readonly server = http.createServer((req, res) => {
    const monitor = Number(/^\/m\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1);
    const seq = this.counts.get(monitor) ?? 0;
    this.counts.set(monitor, seq + 1);
    const good = this.good(monitor, seq);
    this.hits.push({ monitor, seq, at: Date.now(), good });
    const answer = () => {
      res.writeHead((good ? 200 : 500) + (seq % 100), { 'content-type': 'text/plain' });
      res.end(good ? 'ok' : 'failing');
    };
    const delay = this.delayMs(monitor, seq);
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  hitsOf(monitor: number): TargetHit[] {
    return this.hits.filter((h) => h.monitor === monitor);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
