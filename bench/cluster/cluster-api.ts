/**
 * The bench's calls to a node's API: any call with the admin token, creating the monitors through
 * `POST /api/config/apply` in chunks, and `GET /api/cluster` (null from a server that does not have it yet).
 */
import type { ClusterStatus, NodeStatus } from '../../packages/server/src/cluster/cluster.js';

export const TOKEN = 'bench-cluster-admin-token-0123456789';
const CHUNK = 1000;

export async function api(
  base: string,
  method: 'GET' | 'POST',
  p: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<string> {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: unknown) => {
    throw new Error(`${method} ${base}${p}: ${(err as Error).message}`);
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** HTTP monitors `m-1` … `m-N` on the target's paths `/t/1` … `/t/N`, in chunks of 1,000; resolves in seconds. */
export async function createMonitors(base: string, size: number, targetPort: number, interval: number) {
  const t0 = performance.now();
  for (let i = 0; i < size; i += CHUNK) {
    const monitors = Array.from({ length: Math.min(CHUNK, size - i) }, (_, j) => ({
      name: `m-${i + j + 1}`,
      type: 'http',
      url: `http://127.0.0.1:${targetPort}/t/${i + j + 1}`,
      interval: `${interval}s`,
      timeout: '5s',
    }));
    // Generous: on a busy machine a chunk into a cluster has taken over a minute.
    await api(base, 'POST', '/api/config/apply', { config: { monitors } }, 600_000);
  }
  return (performance.now() - t0) / 1000;
}

/** What `GET /api/cluster` answers: the server's own types. */
export type ClusterView = ClusterStatus;
export type ClusterNodeView = NodeStatus;

/** The node's view of the cluster, or null when the server answers 404 (no cluster API in this build). */
export async function clusterView(base: string, timeoutMs = 5000): Promise<ClusterView | null> {
  const res = await fetch(`${base}/api/cluster`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: unknown) => {
    throw new Error(`GET ${base}/api/cluster: ${(err as Error).message}`);
  });
  const text = await res.text();
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api/cluster: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as ClusterView;
}

/** The node's own entry in its view. */
export function selfEntry(view: ClusterView): ClusterNodeView | undefined {
  return view.nodes.find((n) => n.self) ?? view.nodes.find((n) => n.id === view.self);
}
