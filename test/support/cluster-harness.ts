/**
 * Several `tocsin start` processes on one PostgreSQL schema, for the cluster tests: start them (node-a, node-b,
 * node-c by default, each with its own data dir and a port it keeps across restarts), talk to any of them, and
 * kill -9, stop (SIGTERM), pause (SIGSTOP), resume (SIGCONT) or restart one. Also a webhook receiver that logs
 * every delivery, and a PostgreSQL server of the test's own that it can restart.
 *
 * Node states, as the harness drives them:
 *   running ──kill (SIGKILL) | stop (SIGTERM)──▶ down ──restart──▶ running
 *   running ──pause (SIGSTOP)──▶ paused ──resume (SIGCONT)──▶ running
 * `close` ends every node (a paused one is resumed first, so that it can stop), then drops the schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPostgresSchema, postgresUrlWithSchema } from '../../packages/server/src/test-support/test-databases.js';
import { waitFor } from '../../packages/server/src/test-support/http-receiver.js';
import { freePort, startServer, type ServerProcess } from './server-process.js';

export { waitFor };
export { PostgresInstance } from './cluster-postgres.js';
export { WebhookLog, type Delivery } from './cluster-webhooks.js';
export * from './cluster-views.js';

export const ADMIN_TOKEN = 'cluster-tests-admin-token-0123456789';
export const LEASE_TIMEOUT_MS = 3000;
export const NODE_TIMEOUT_MS = 3000;
export const RENEW_INTERVAL_MS = 500;

/** The short cluster timeouts every test runs with, so that a take-over takes seconds. */
export const clusterSettings: Record<string, string> = {
  TOCSIN_CLUSTER_LEASE_TIMEOUT: `${LEASE_TIMEOUT_MS / 1000}s`,
  TOCSIN_CLUSTER_NODE_TIMEOUT: `${NODE_TIMEOUT_MS / 1000}s`,
  TOCSIN_CLUSTER_RENEW_INTERVAL: `${RENEW_INTERVAL_MS}ms`,
};

export type NodeState = 'running' | 'down' | 'paused';

export interface ClusterNode {
  id: string;
  port: number;
  url: string;
  dataDir: string;
  state: NodeState;
  server: ServerProcess | undefined;
  /** The output of its earlier processes (before restarts). */
  earlier: string[];
  /** How its process ended when nobody asked it to (an exit code or a signal), else undefined. */
  crashed: string | undefined;
}

export interface ClusterView {
  mode: string;
  self: string;
  partitions: number;
  nodes: {
    id: string;
    address: string;
    state: string;
    self: boolean;
    partitions: number;
    owns: Record<string, number>;
    lastSeenAt: string;
  }[];
}

export interface ClusterOptions {
  ids?: string[];
  /** A database URL of the test's own; without it, a fresh schema of the test database, dropped by `close`. */
  databaseUrl?: string;
  env?: Record<string, string>;
}

export class Cluster {
  readonly nodes = new Map<string, ClusterNode>();
  private dropSchema: (() => Promise<void>) | undefined;

  private constructor(
    readonly databaseUrl: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Starts the nodes: the first alone (it migrates the schema), then the others together. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    let url = options.databaseUrl;
    let drop: (() => Promise<void>) | undefined;
    if (!url) {
      const schema = await createPostgresSchema();
      url = postgresUrlWithSchema(schema.schema);
      drop = schema.drop;
    }
    const cluster = new Cluster(url, options.env ?? {});
    cluster.dropSchema = drop;
    try {
      const [first, ...rest] = options.ids ?? ['node-a', 'node-b', 'node-c'];
      await cluster.add(first);
      await Promise.all(rest.map((id) => cluster.add(id)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Starts one more node (a new id) and waits until it listens. */
  async add(id: string): Promise<ClusterNode> {
    const node: ClusterNode = {
      id,
      port: await freePort(),
      url: '',
      dataDir: mkdtempSync(path.join(os.tmpdir(), `tocsin-${id}-`)),
      state: 'down',
      server: undefined,
      earlier: [],
      crashed: undefined,
    };
    this.nodes.set(id, node);
    await this.launch(node);
    return node;
  }

  node(id: string): ClusterNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  running(): ClusterNode[] {
    return [...this.nodes.values()].filter((n) => n.state === 'running');
  }

  /** A running node picked at random (or the one named). */
  pick(via?: string): ClusterNode {
    if (via) return this.node(via);
    const up = this.running();
    if (!up.length) throw new Error('no node is running');
    return up[Math.floor(Math.random() * up.length)];
  }

  /** A request to one node (a random running one by default), given up after `timeoutMs`. */
  async api(
    method: string,
    pathname: string,
    body?: unknown,
    via?: string,
    timeoutMs = 10_000,
  ): Promise<{ status: number; json: any }> {
    return request(this.pick(via).url, method, pathname, body, timeoutMs);
  }

  /** Applies a config (the body of a config file, as an object) through one node; throws unless 200. */
  async apply(config: Record<string, unknown>, via?: string): Promise<{ changes: unknown[] }> {
    const res = await this.api('POST', '/api/config/apply', { config: { version: 1, ...config } }, via, 60_000);
    if (res.status !== 200) throw new Error(`config apply answered ${res.status}: ${JSON.stringify(res.json)}`);
    return res.json;
  }

  /** GET /api/cluster through one node. */
  async view(via?: string): Promise<ClusterView> {
    const res = await this.api('GET', '/api/cluster', undefined, via);
    if (res.status !== 200) throw new Error(`/api/cluster answered ${res.status}: ${JSON.stringify(res.json)}`);
    return res.json;
  }

  /** Waits until every node named is alive and owns partitions, as `via` (a running node) sees the cluster. */
  async waitOwning(ids: string[], timeoutMs: number, via?: string): Promise<ClusterView> {
    let last: ClusterView | undefined;
    await waitFor(
      async () => {
        last = await this.view(via).catch(() => undefined);
        return ids.every((id) => last?.nodes.some((n) => n.id === id && n.state === 'alive' && n.partitions > 0));
      },
      `${ids.join(', ')} alive and owning partitions (last seen: ${summarize(last)})`,
      timeoutMs,
    );
    return last!;
  }

  /** kill -9: the node leaves its leases to expire. */
  async kill(id: string): Promise<void> {
    const node = this.node(id);
    node.state = 'down';
    await node.server?.kill();
  }

  /** SIGTERM and wait for the exit: a clean stop releases the node's leases. */
  async stop(id: string): Promise<void> {
    const node = this.node(id);
    node.state = 'down';
    await node.server?.stop();
  }

  /** SIGSTOP: the process stays, frozen; its leases expire while it cannot renew them. */
  pause(id: string): void {
    const node = this.node(id);
    node.state = 'paused';
    node.server?.proc.kill('SIGSTOP');
  }

  resume(id: string): void {
    const node = this.node(id);
    node.server?.proc.kill('SIGCONT');
    node.state = 'running';
  }

  /** Starts a node that is down again, with its id, data dir and port. */
  async restart(id: string): Promise<void> {
    const node = this.node(id);
    if (node.state !== 'down') throw new Error(`${id} is ${node.state}, not down`);
    await this.launch(node);
  }

  /** Every node's output (all its processes), for a failure message or a grep. */
  output(id: string): string {
    const node = this.node(id);
    return [...node.earlier, node.server?.output() ?? ''].join('');
  }

  /** The lines of every node's output that match `re`, each prefixed with its node id. */
  grep(re: RegExp): string[] {
    return this.ids().flatMap((id) =>
      this.output(id)
        .split('\n')
        .filter((l) => re.test(l))
        .map((l) => `${id}: ${l}`),
    );
  }

  /** The warnings and errors the nodes logged, at most `max` lines: what a failed test prints. */
  problems(max = 40): string {
    const lines = this.grep(/"level":"(warn|error|fatal)"|Error|error:/).slice(-max);
    for (const node of this.nodes.values()) {
      if (!node.crashed) continue;
      const tail = this.output(node.id).trimEnd().split('\n').slice(-12);
      lines.push(`${node.id} ended by itself (${node.crashed}); its last lines:`, ...tail.map((l) => `  ${l}`));
    }
    return lines.join('\n');
  }

  /** The nodes whose processes ended when nobody asked them to, with how. */
  crashes(): string[] {
    return [...this.nodes.values()].filter((n) => n.crashed).map((n) => `${n.id} (${n.crashed})`);
  }

  /** Ends every node (SIGTERM, then SIGKILL after 10 s), drops the schema, removes the data dirs. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.nodes.values()].map(async (node) => {
        if (!node.server) return;
        if (node.state === 'paused') node.server.proc.kill('SIGCONT');
        const timer = setTimeout(() => node.server?.proc.kill('SIGKILL'), 10_000);
        await node.server.stop();
        clearTimeout(timer);
        node.state = 'down';
      }),
    );
    for (const node of this.nodes.values()) rmSync(node.dataDir, { recursive: true, force: true });
    await this.dropSchema?.();
    this.dropSchema = undefined;
  }

  private async launch(node: ClusterNode): Promise<void> {
    if (node.server) node.earlier.push(node.server.output());
    node.server = await startServer({
      TOCSIN_DATABASE_URL: this.databaseUrl,
      TOCSIN_DATA_DIR: node.dataDir,
      TOCSIN_NODE_ID: node.id,
      TOCSIN_PORT: String(node.port),
      TOCSIN_ADMIN_TOKEN: ADMIN_TOKEN,
      ...clusterSettings,
      ...this.env,
    });
    node.url = node.server.url;
    node.state = 'running';
    node.crashed = undefined;
    const proc = node.server.proc;
    proc.once('exit', (code, signal) => {
      if (node.server?.proc !== proc || node.state !== 'running') return;
      node.state = 'down';
      node.crashed = signal ?? `exit ${code}`;
    });
  }
}

/** A request with the admin token, given up after `timeoutMs` (a paused node would never answer). */
export async function request(
  url: string,
  method: string,
  pathname: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<{ status: number; json: any }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url + pathname, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    // A DOMException (the timeout) prints as {} in the test report: say what it was.
    throw new Error(`${method} ${url}${pathname}: ${(err as Error).name}: ${(err as Error).message}`);
  }
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function summarize(view: ClusterView | undefined): string {
  if (!view) return 'nothing';
  return view.nodes.map((n) => `${n.id} ${n.state} ${n.partitions}`).join('; ');
}

/** A random element of `list`. */
export function pickOne<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}
