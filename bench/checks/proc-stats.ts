import { readFileSync } from 'node:fs';
import net from 'node:net';

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Reads one sample of a Prometheus text metric (labels as written, e.g. `result="up"`). */
export function metric(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{([^}]*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !(m[3] ?? '').includes(labels)) continue;
    total += Number(m[4]);
  }
  return total;
}

/** p-quantile from a histogram's cumulative buckets between two scrapes. */
export function histogramQuantile(before: string, after: string, name: string, q: number): number {
  const buckets = (text: string) => {
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = new RegExp(`^${name}_bucket\\{.*le="([^"]+)"\\} (\\d+)`).exec(line);
      if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
    }
    return out;
  };
  const a = buckets(before);
  const b = buckets(after);
  const les = [...b.keys()].sort((x, y) => (x === '+Inf' ? 1 : y === '+Inf' ? -1 : Number(x) - Number(y)));
  const total = (b.get('+Inf') ?? 0) - (a.get('+Inf') ?? 0);
  for (const le of les) if ((b.get(le) ?? 0) - (a.get(le) ?? 0) >= q * total) return le === '+Inf' ? Infinity : Number(le);
  return NaN;
}
