/**
 * Which monitors a node checks, read from the database just before it is killed: the partitions whose lease it
 * holds (cluster_leases, unexpired), and every monitor whose `monitor-check` key (its id) hashes into one of them,
 * by the server's own partitionOf. Monitors are named `m-<i>` by the bench; the answer is the set of those i.
 */
import pg from 'pg';
import { partitionOf } from '../../packages/server/src/cluster/partitions.js';

const CHECK_JOB = 'monitor-check';

/** `databaseUrl` selects the phase's schema (its search_path option). */
export async function monitorsHeldBy(databaseUrl: string, nodeId: string): Promise<Set<number>> {
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const leases = await c.query<{ partition: number }>(
      `select partition from cluster_leases
        where node_id = $1 and expires_at >= (extract(epoch from clock_timestamp()) * 1000)`,
      [nodeId],
    );
    const held = new Set(leases.rows.map((r) => Number(r.partition)));
    const monitors = await c.query<{ id: string; name: string }>('select id, name from monitors');
    const out = new Set<number>();
    for (const m of monitors.rows) {
      const i = /^m-(\d+)$/.exec(m.name)?.[1];
      if (i && held.has(partitionOf(CHECK_JOB, m.id))) out.add(Number(i));
    }
    return out;
  } finally {
    await c.end().catch(() => {});
  }
}
