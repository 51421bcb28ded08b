/**
 * What the nodes of a test cluster say, read through their API: the monitors each lists, whether they all agree
 * on a state (waitListed), the outbox, the keys each runs; and heartbeat pings sent to any running node. No
 * state of its own: every function asks the nodes again.
 */
import type { Cluster, ClusterView } from './cluster-harness.js';
import { waitFor } from '../../packages/server/src/test-support/http-receiver.js';

/** The keys of `job` the live nodes say they run (GET /api/cluster `owns`): each key once, when all is well. */
export function ownedKeys(view: ClusterView, job: string): number {
  return view.nodes.filter((n) => n.state === 'alive').reduce((sum, n) => sum + (n.owns[job] ?? 0), 0);
}

export interface MonitorState {
  name: string;
  state: string;
  lastCheckAt: string | null;
  nextCheckAt: string | null;
}

/** The monitors as one node (a random running one by default) lists them. */
export async function monitorStates(cluster: Cluster, via?: string): Promise<MonitorState[]> {
  const res = await cluster.api('GET', '/api/monitors', undefined, via);
  if (res.status !== 200) throw new Error(`/api/monitors answered ${res.status}`);
  return res.json.monitors;
}

/**
 * Waits until every running node lists `count` items of `path` (their list under `key`: monitors, heartbeats,
 * alarms) all in `state`; a node that did not hear of a change made through another would never agree. On a
 * timeout, says what each node lists.
 */
export async function waitListed(
  cluster: Cluster,
  path: string,
  key: string,
  state: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const seen = new Map<string, string>();
  await waitFor(
    async () => {
      let all = true;
      for (const node of cluster.running()) {
        const res = await cluster.api('GET', path, undefined, node.id).catch(() => undefined);
        const byState: Record<string, number> = {};
        const others: string[] = [];
        for (const item of res?.json?.[key] ?? []) {
          byState[item.state] = (byState[item.state] ?? 0) + 1;
          if (item.state !== state) others.push(`${item.name} ${item.state} next ${item.nextCheckAt ?? '-'}`);
        }
        seen.set(node.id, `${JSON.stringify(byState)} (${others.slice(0, 5).join('; ')})`);
        all &&= byState[state] === count;
      }
      return all;
    },
    `${count} ${key} ${state} on every node`,
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; the nodes list ${[...seen].map(([id, s]) => `${id} ${s}`).join(', ')}`);
  });
}

/** Waits until `count` monitors are UP as every running node lists them. */
export function waitMonitorsUp(cluster: Cluster, count: number, timeoutMs: number): Promise<void> {
  return waitListed(cluster, '/api/monitors', 'monitors', 'UP', count, timeoutMs);
}

/** True when nothing waits in the outbox, as one running node sees it. */
export async function outboxDrained(cluster: Cluster): Promise<boolean> {
  const res = await cluster.api('GET', '/api/deliveries?status=pending&limit=1').catch(() => undefined);
  return res?.status === 200 && res.json.deliveries.length === 0;
}

/**
 * Pings a heartbeat (`/ping/<uuid>` plus an action such as `/start`) at a running node, with `body`; tries another
 * running node when one does not answer. Returns the status (0 when none answered) and the node that answered.
 */
export async function ping(
  cluster: Cluster,
  uuid: string,
  action = '',
  body = '',
  tries = 3,
): Promise<{ status: number; node: string | undefined }> {
  for (let i = 0; i < tries; i++) {
    const node = cluster.running().length ? cluster.pick() : undefined;
    if (!node) break;
    try {
      const res = await fetch(`${node.url}/ping/${uuid}${action}`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(5000),
      });
      await res.text();
      return { status: res.status, node: node.id };
    } catch {
      // a node killed or stopped under the request: try another
    }
  }
  return { status: 0, node: undefined };
}
