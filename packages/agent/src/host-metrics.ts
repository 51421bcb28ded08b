/**
 * Host metrics as the CloudWatch agent names them, read from /proc and fs.statfs (no native code).
 *
 * States: no CPU sample yet ──first collect──▶ sampled (CPU percents need two samples, so the first collect
 * sends no cpu_usage_*) ──collect──▶ sampled (each collect's percents are over the time since the one before).
 */
import { readFile, statfs } from 'node:fs/promises';
import type { HostDatum } from '@tocsin/protocol';
import {
  type CpuTimes,
  cpuUsage,
  diskUsage,
  type FsStats,
  parseCpuTimes,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
} from './proc-parsers.js';

/** Where the collector reads; a test points it at fixtures. */
export interface HostSources {
  readText(path: string): Promise<string>;
  statfs(path: string): Promise<FsStats>;
  procRoot: string;
}

export const realHostSources: HostSources = {
  readText: (p) => readFile(p, 'utf8'),
  statfs: (p) => statfs(p),
  procRoot: '/proc',
};

const PERCENT = 'Percent';
const BYTES = 'Bytes';

/** Memory and swap datapoints from /proc/meminfo text. */
export function memoryData(meminfo: string): HostDatum[] {
  const m = parseMeminfo(meminfo);
  const out: HostDatum[] = [];
  const total = m.MemTotal;
  if (total > 0) {
    // Kernels before 3.14 have no MemAvailable: free + buffers + page cache is what it estimates.
    const available = m.MemAvailable ?? (m.MemFree ?? 0) + (m.Buffers ?? 0) + (m.Cached ?? 0);
    const used = total - available;
    out.push(
      { name: 'mem_total', value: total, unit: BYTES, dimensions: {} },
      { name: 'mem_used', value: used, unit: BYTES, dimensions: {} },
      { name: 'mem_available', value: available, unit: BYTES, dimensions: {} },
      { name: 'mem_used_percent', value: (used / total) * 100, unit: PERCENT, dimensions: {} },
      { name: 'mem_available_percent', value: (available / total) * 100, unit: PERCENT, dimensions: {} },
    );
  }
  if (m.SwapTotal !== undefined) {
    const used = m.SwapTotal - (m.SwapFree ?? 0);
    const pct = m.SwapTotal > 0 ? (used / m.SwapTotal) * 100 : 0;
    out.push(
      { name: 'swap_used', value: used, unit: BYTES, dimensions: {} },
      { name: 'swap_used_percent', value: pct, unit: PERCENT, dimensions: {} },
    );
  }
  return out;
}

/** Load averages and the process count from /proc/loadavg text. */
export function loadData(loadavg: string): HostDatum[] {
  const l = parseLoadavg(loadavg);
  if (!l) return [];
  const out: HostDatum[] = [
    { name: 'system_load1', value: l.load1, unit: 'None', dimensions: {} },
    { name: 'system_load5', value: l.load5, unit: 'None', dimensions: {} },
    { name: 'system_load15', value: l.load15, unit: 'None', dimensions: {} },
  ];
  if (l.processes !== undefined)
    out.push({ name: 'processes_total', value: l.processes, unit: 'Count', dimensions: {} });
  return out;
}

/** CPU percents between two samples, dimension `cpu: cpu-total`. */
export function cpuData(before: CpuTimes, after: CpuTimes): HostDatum[] {
  const u = cpuUsage(before, after);
  if (!u) return [];
  const dimensions = { cpu: 'cpu-total' };
  return [
    { name: 'cpu_usage_user', value: u.user, unit: PERCENT, dimensions },
    { name: 'cpu_usage_system', value: u.system, unit: PERCENT, dimensions },
    { name: 'cpu_usage_idle', value: u.idle, unit: PERCENT, dimensions },
    { name: 'cpu_usage_iowait', value: u.iowait, unit: PERCENT, dimensions },
  ];
}

export class HostMetrics {
  private lastCpu?: CpuTimes;

  constructor(private readonly sources: HostSources = realHostSources) {}

  /** One round of datapoints; a source that cannot be read leaves its metrics out. */
  async collect(): Promise<HostDatum[]> {
    const root = this.sources.procRoot;
    const read = (name: string) => this.sources.readText(`${root}/${name}`).catch(() => undefined);
    const [meminfo, stat, loadavg, mounts] = await Promise.all([
      read('meminfo'),
      read('stat'),
      read('loadavg'),
      read('self/mounts').then((t) => t ?? read('mounts')),
    ]);
    const out: HostDatum[] = [];
    if (meminfo) out.push(...memoryData(meminfo));
    if (loadavg) out.push(...loadData(loadavg));
    const cpu = stat ? parseCpuTimes(stat) : undefined;
    if (cpu && this.lastCpu) out.push(...cpuData(this.lastCpu, cpu));
    if (cpu) this.lastCpu = cpu;
    if (mounts) out.push(...(await this.diskData(mounts)));
    return out;
  }

  private async diskData(mountsText: string): Promise<HostDatum[]> {
    const out: HostDatum[] = [];
    for (const mount of parseMounts(mountsText)) {
      const stats = await this.sources.statfs(mount.path).catch(() => undefined);
      const usage = stats && diskUsage(stats);
      if (!usage) continue;
      // As telegraf's disk input (so the CloudWatch agent) names it: `nvme0n1p1`, not `/dev/nvme0n1p1`.
      const dimensions = { path: mount.path, device: mount.device.replace(/^\/dev\//, ''), fstype: mount.fstype };
      out.push(
        { name: 'disk_total', value: usage.total, unit: BYTES, dimensions },
        { name: 'disk_free', value: usage.free, unit: BYTES, dimensions },
        { name: 'disk_used', value: usage.used, unit: BYTES, dimensions },
        { name: 'disk_used_percent', value: usage.usedPercent, unit: PERCENT, dimensions },
      );
    }
    return out;
  }
}
