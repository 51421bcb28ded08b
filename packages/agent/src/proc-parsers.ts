/**
 * Pure parsers of the Linux /proc files the host metrics come from, so that they are tested on fixture text as
 * well as on the machine's own /proc. Every function takes the file's text and throws nothing: a field that is
 * missing is left out, and the caller leaves out what it cannot compute.
 */

/** /proc/meminfo as bytes per key (`MemTotal`, `MemAvailable`, `SwapTotal`, …). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/** The aggregate `cpu` line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

const cpuFields = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** The `cpu` (all CPUs) line of /proc/stat; undefined when there is none. */
export function parseCpuTimes(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const times = {} as CpuTimes;
  cpuFields.forEach((f, i) => {
    times[f] = Number.isFinite(values[i]) ? values[i] : 0;
  });
  return times;
}

/** Percent of an interval per CPU state. */
export interface CpuUsage {
  user: number;
  system: number;
  idle: number;
  iowait: number;
}

/**
 * Percent of the interval between two /proc/stat samples spent in each state, as the CloudWatch agent
 * (telegraf's cpu plugin) computes it: over the sum of every state (guest time is inside user already).
 * Undefined when no tick passed.
 */
export function cpuUsage(before: CpuTimes, after: CpuTimes): CpuUsage | undefined {
  const delta = (f: keyof CpuTimes) => Math.max(0, after[f] - before[f]);
  const total = cpuFields.reduce((sum, f) => sum + delta(f), 0);
  if (total <= 0) return undefined;
  const pct = (v: number) => (v / total) * 100;
  return {
    user: pct(delta('user') + delta('nice')),
    system: pct(delta('system') + delta('irq') + delta('softirq')),
    idle: pct(delta('idle')),
    iowait: pct(delta('iowait')),
  };
}

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
  /** Scheduling entities (processes and threads) that exist, the denominator of the 4th field. */
  processes?: number;
}

/** /proc/loadavg: `0.02 0.02 0.11 1/147 29906`. */
export function parseLoadavg(text: string): LoadAverage | undefined {
  const parts = text.trim().split(/\s+/);
  const [load1, load5, load15] = parts.slice(0, 3).map(Number);
  if (![load1, load5, load15].every(Number.isFinite)) return undefined;
  const processes = Number(parts[3]?.split('/')[1]);
  return { load1, load5, load15, ...(Number.isFinite(processes) ? { processes } : {}) };
}

export interface Mount {
  device: string;
  path: string;
  fstype: string;
}

/**
 * Filesystems that hold no disk space of the host's: kernel interfaces, memory-backed and container layers.
 * The CloudWatch agent leaves out sysfs and devtmpfs by default and telegraf's disk plugin the memory and image
 * filesystems; this list is both and the rest of the kernel's pseudo filesystems (docs/agent.md lists it).
 */
export const IGNORED_FSTYPES: ReadonlySet<string> = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'fuse.lxcfs',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nsfs',
  'overlay',
  'aufs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

/** `\040` and friends in /proc/mounts paths. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** /proc/mounts (or /proc/self/mounts), the pseudo filesystems left out, one entry per mount path (the last). */
export function parseMounts(text: string): Mount[] {
  const byPath = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const [device, path, fstype] = line.trim().split(/\s+/);
    if (!device || !path || !fstype || IGNORED_FSTYPES.has(fstype)) continue;
    const mount = { device: unescapeMount(device), path: unescapeMount(path), fstype };
    byPath.delete(mount.path);
    byPath.set(mount.path, mount);
  }
  return [...byPath.values()];
}

/** The fields of fs.statfs this needs. */
export interface FsStats {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

export interface DiskUsage {
  total: number;
  free: number;
  used: number;
  usedPercent: number;
}

/**
 * A filesystem's usage as df and telegraf count it: `free` is what an unprivileged user may still write, and
 * the percent is used over used + free, so the blocks reserved for root do not count as room.
 */
export function diskUsage(s: FsStats): DiskUsage | undefined {
  if (s.blocks <= 0 || s.bsize <= 0) return undefined;
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const room = used + free;
  return { total, free, used, usedPercent: room > 0 ? (used / room) * 100 : 0 };
}
