/**
 * HTTP targets on 127.0.0.1 that are up or down on a script, for the cluster tests: `/t/<n>` answers 200 while
 * target n is up and 503 while it is down, and every request is logged (target, arrival time, the answer, the
 * probe's User-Agent), so a test can say when each monitor was checked and what it saw.
 *
 * Each target has a timeline of changes, all up before `begin`. A test writes it in advance
 * (`downDuring(n, from, to)`, relative to t0 = `begin()`), or changes a target now (`set(n, up)`); either way the
 * timeline is the truth the monitors' transitions are compared with (`expectedTransitions`). A target can also
 * answer late (`delay`), so that a probe is still waiting for its answer when its node is stopped.
 *
 * Target states: up ──change at t──▶ down ──change at t──▶ up (a change to the state it is in is no change).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlapHit {
  target: number;
  at: number;
  up: boolean;
  userAgent: string;
}

interface Change {
  at: number;
  up: boolean;
}

export class FlapTarget {
  readonly hits: FlapHit[] = [];
  /** When the script started (absolute ms), or undefined before `begin`. */
  t0: number | undefined;
  private readonly changes = new Map<number, Change[]>();
  private readonly scripted: { target: number; from: number; to: number }[] = [];
  private readonly delays = new Map<number, number>();
  private readonly byTarget = new Map<number, FlapHit[]>();
  private readonly server = http.createServer((req, res) => {
    const m = /^\/t\/(\d+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const target = Number(m[1]);
    const at = Date.now();
    const up = this.isUp(target, at);
    const hit = { target, at, up, userAgent: String(req.headers['user-agent'] ?? '') };
    this.hits.push(hit);
    const list = this.byTarget.get(target) ?? [];
    if (!list.length) this.byTarget.set(target, list);
    list.push(hit);
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(up ? 'ok' : 'down');
    };
    const delay = this.delays.get(target) ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * `count` HTTP monitors `site-0`… against this target's paths at `intervalMs`, as a config file's
   * `monitors:` (with `topics`, when given).
   */
  monitors(count: number, intervalMs: number, topics?: string[]): Record<string, unknown>[] {
    return Array.from({ length: count }, (_, i) => this.monitor(i, intervalMs, topics));
  }

  /** Monitor `site-<i>` against path `i` (see monitors). */
  monitor(i: number, intervalMs: number, topics?: string[]): Record<string, unknown> {
    const spec = { name: `site-${i}`, type: 'http', url: this.urlOf(i), interval: `${intervalMs}ms`, timeout: '2s' };
    return topics ? { ...spec, topics } : spec;
  }

  urlOf(target: number): string {
    return `${this.url}/t/${target}`;
  }

  async start(): Promise<this> {
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts target n down during [t0 + from, t0 + to) (ms); takes effect once `begin` sets t0. */
  downDuring(target: number, fromMs: number, toMs: number): void {
    if (!(toMs > fromMs)) throw new Error(`target ${target}: an empty down window [${fromMs}, ${toMs})`);
    this.scripted.push({ target, from: fromMs, to: toMs });
    if (this.t0 !== undefined) this.addWindow(target, this.t0 + fromMs, this.t0 + toMs);
  }

  /** Starts the script now (or at `t0`): scripted windows become changes on the timelines. */
  begin(t0 = Date.now()): number {
    this.t0 = t0;
    for (const w of this.scripted) this.addWindow(w.target, t0 + w.from, t0 + w.to);
    return t0;
  }

  /** Changes target n now (absolute `at`, now by default); later scripted changes still apply. */
  set(target: number, up: boolean, at = Date.now()): void {
    this.insert(target, { at, up });
  }

  /** Answers target n after `ms` (0: at once). */
  delay(target: number, ms: number): void {
    this.delays.set(target, ms);
  }

  isUp(target: number, at = Date.now()): boolean {
    let up = true;
    for (const c of this.changes.get(target) ?? []) {
      if (c.at > at) break;
      up = c.up;
    }
    return up;
  }

  /** The target's real changes of state (from up to down and back) up to `until`. */
  timeline(target: number, until = Date.now()): Change[] {
    const out: Change[] = [];
    let up = true;
    for (const c of this.changes.get(target) ?? []) {
      if (c.at > until) break;
      if (c.up === up) continue;
      up = c.up;
      out.push(c);
    }
    return out;
  }

  /**
   * The notifications a monitor of target n with failureThreshold 1 owes up to `until`: one `monitor.down` per
   * change to down and one `monitor.up` per change back (its first UP is not news). Every state but the last
   * must last longer than the longest gap between two checks, or a check may miss it; `minStateMs` says how long
   * that is and a shorter state throws, so that a script that cannot be observed is a mistake of the test, not of
   * the server. (That the last state was seen is what the test waits for.)
   */
  expectedTransitions(target: number, until: number, minStateMs: number): string[] {
    const line = this.timeline(target, until);
    line.forEach((c, i) => {
      const end = line[i + 1]?.at;
      if (end !== undefined && end - c.at < minStateMs)
        throw new Error(`target ${target} is ${c.up ? 'up' : 'down'} for ${end - c.at} ms (< ${minStateMs} ms)`);
    });
    return line.map((c) => (c.up ? 'monitor.up' : 'monitor.down'));
  }

  hitsOf(target: number): FlapHit[] {
    return this.byTarget.get(target) ?? [];
  }

  /** The time of target n's last hit at or before `at`, or undefined. */
  lastHitBefore(target: number, at: number): number | undefined {
    const list = this.hitsOf(target);
    for (let i = list.length - 1; i >= 0; i--) if (list[i].at <= at) return list[i].at;
    return undefined;
  }

  /** The first hit of target n after `at`, or undefined. */
  firstHitAfter(target: number, at: number): number | undefined {
    return this.hitsOf(target).find((h) => h.at > at)?.at;
  }

  /**
   * The longest time target n went unchecked within [from, to]: between two hits, from `from` to the first hit,
   * or from the last hit to `to`; with the hits that bound it.
   */
  longestGap(target: number, from: number, to: number): { ms: number; after: number; before: number } {
    const times = this.hitsOf(target)
      .map((h) => h.at)
      .filter((t) => t >= from && t <= to);
    const points = [from, ...times, to];
    let best = { ms: 0, after: from, before: to };
    for (let i = 1; i < points.length; i++) {
      const ms = points[i] - points[i - 1];
      if (ms > best.ms) best = { ms, after: points[i - 1], before: points[i] };
    }
    return best;
  }

  private addWindow(target: number, from: number, to: number): void {
    this.insert(target, { at: from, up: false });
    this.insert(target, { at: to, up: true });
  }

  private insert(target: number, change: Change): void {
    const list = this.changes.get(target) ?? [];
    if (!list.length) this.changes.set(target, list);
    let i = list.length;
    while (i > 0 && list[i - 1].at > change.at) i--;
    list.splice(i, 0, change);
  }
}
