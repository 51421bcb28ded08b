import assert from 'node:assert/strict';
import { readFile, statfs } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { hostDatumSchema } from '@tocsin/protocol';
import { cpuData, HostMetrics, loadData, memoryData } from './host-metrics.js';
import { cpuUsage, diskUsage, parseCpuTimes, parseLoadavg, parseMeminfo, parseMounts } from './proc-parsers.js';

const MEMINFO = `MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    6000000 kB
Buffers:          200000 kB
Cached:          3000000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB
HugePages_Total:       0
`;

const STAT_1 = `cpu  100 0 50 800 50 0 0 0 0 0
cpu0 50 0 25 400 25 0 0 0 0 0
intr 12345
`;
const STAT_2 = `cpu  160 20 80 1500 90 5 5 0 0 0
cpu0 80 10 40 750 45 0 0 0 0 0
`;

const MOUNTS = `proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw 0 0
tmpfs /run tmpfs rw 0 0
/dev/vda1 / ext4 rw,relatime 0 0
/dev/vdb1 /srv/my\\040data xfs rw 0 0
overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0
/dev/vdc1 /srv/my\\040data ext4 rw 0 0
`;

describe('proc parsers on fixtures', () => {
  it('reads meminfo in bytes', () => {
    const m = parseMeminfo(MEMINFO);
    assert.equal(m.MemTotal, 8000000 * 1024);
    assert.equal(m.MemAvailable, 6000000 * 1024);
    assert.equal(m.HugePages_Total, 0);
  });

  it('turns meminfo into the CloudWatch agent memory and swap metrics', () => {
    const byName = Object.fromEntries(memoryData(MEMINFO).map((d) => [d.name, d]));
    assert.equal(byName.mem_total.value, 8000000 * 1024);
    assert.equal(byName.mem_used.value, 2000000 * 1024);
    assert.equal(byName.mem_used_percent.value, 25);
    assert.equal(byName.mem_available_percent.value, 75);
    assert.equal(byName.mem_used_percent.unit, 'Percent');
    assert.equal(byName.mem_total.unit, 'Bytes');
    assert.equal(byName.swap_used_percent.value, 25);
  });

  it('counts swap as 0% used on a host without swap', () => {
    const data = memoryData('MemTotal: 100 kB\nMemAvailable: 50 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n');
    assert.equal(data.find((d) => d.name === 'swap_used_percent')?.value, 0);
  });

  it('computes CPU percents from two /proc/stat samples', () => {
    const a = parseCpuTimes(STAT_1)!;
    const b = parseCpuTimes(STAT_2)!;
    assert.equal(a.user, 100);
    assert.equal(b.iowait, 90);
    // deltas: user 60 nice 20 system 30 idle 700 iowait 40 irq 5 softirq 5 → total 860
    const u = cpuUsage(a, b)!;
    assert.ok(Math.abs(u.user - (80 / 860) * 100) < 1e-9);
    assert.ok(Math.abs(u.system - (40 / 860) * 100) < 1e-9);
    assert.ok(Math.abs(u.idle - (700 / 860) * 100) < 1e-9);
    assert.ok(Math.abs(u.iowait - (40 / 860) * 100) < 1e-9);
    assert.equal(cpuUsage(a, a), undefined);
    const data = cpuData(a, b);
    assert.deepEqual(
      data.map((d) => d.name),
      ['cpu_usage_user', 'cpu_usage_system', 'cpu_usage_idle', 'cpu_usage_iowait'],
    );
    assert.deepEqual(data[0].dimensions, { cpu: 'cpu-total' });
  });

  it('reads loadavg', () => {
    assert.deepEqual(parseLoadavg('0.52 1.00 2.25 3/412 9999\n'), {
      load1: 0.52,
      load5: 1,
      load15: 2.25,
      processes: 412,
    });
    assert.equal(parseLoadavg('garbage'), undefined);
    assert.deepEqual(
      loadData('0.52 1.00 2.25 3/412 9999\n').map((d) => [d.name, d.value]),
      [
        ['system_load1', 0.52],
        ['system_load5', 1],
        ['system_load15', 2.25],
        ['processes_total', 412],
      ],
    );
  });

  it('keeps real filesystems of /proc/mounts, one per path, unescaped', () => {
    assert.deepEqual(parseMounts(MOUNTS), [
      { device: '/dev/vda1', path: '/', fstype: 'ext4' },
      { device: '/dev/vdc1', path: '/srv/my data', fstype: 'ext4' },
    ]);
  });

  it('counts disk usage as df does (reserved blocks are not room)', () => {
    const u = diskUsage({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 200 })!;
    assert.equal(u.total, 4096000);
    assert.equal(u.used, 700 * 4096);
    assert.equal(u.free, 200 * 4096);
    assert.ok(Math.abs(u.usedPercent - (700 / 900) * 100) < 1e-9);
    assert.equal(diskUsage({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }), undefined);
  });
});

describe('proc parsers on this machine', () => {
  it('reads sane values from the real /proc', async () => {
    const m = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
    assert.ok(m.MemTotal > 64 * 1024 * 1024, 'more than 64 MiB of memory');
    assert.ok(m.MemAvailable > 0 && m.MemAvailable <= m.MemTotal);
    const cpu = parseCpuTimes(await readFile('/proc/stat', 'utf8'))!;
    assert.ok(cpu.user + cpu.system + cpu.idle > 0);
    const load = parseLoadavg(await readFile('/proc/loadavg', 'utf8'))!;
    assert.ok(load.load1 >= 0 && load.load1 < 1000);
    assert.ok(load.processes! >= 1);
    const mounts = parseMounts(await readFile('/proc/self/mounts', 'utf8'));
    assert.ok(
      mounts.some((x) => x.path === '/'),
      'the root filesystem is kept',
    );
    assert.ok(!mounts.some((x) => x.fstype === 'proc' || x.fstype === 'sysfs'));
  });

  it('reads statfs("/") into a usage between 0 and 100%', async () => {
    const u = diskUsage(await statfs('/'))!;
    assert.ok(u.total > 0 && u.used >= 0 && u.free >= 0 && u.used <= u.total);
    assert.ok(u.usedPercent >= 0 && u.usedPercent <= 100);
  });

  it('collects valid datapoints, CPU percents from the second round on', async () => {
    const host = new HostMetrics();
    const first = await host.collect();
    assert.ok(!first.some((d) => d.name.startsWith('cpu_')));
    for (const d of first) hostDatumSchema.parse(d);
    const root = first.find((d) => d.name === 'disk_used_percent' && d.dimensions.path === '/');
    assert.ok(root, 'disk_used_percent for /');
    assert.ok(root.value >= 0 && root.value <= 100);
    const mem = first.find((d) => d.name === 'mem_used_percent')!;
    assert.ok(mem.value > 0 && mem.value < 100);
    // Spin a little so that ticks pass between the samples.
    const until = Date.now() + 50;
    while (Date.now() < until) Math.sqrt(Math.random());
    const second = await host.collect();
    const cpu = second.filter((d) => d.name.startsWith('cpu_usage_'));
    if (cpu.length) {
      const sum = cpu.reduce((s, d) => s + d.value, 0);
      assert.ok(sum > 0 && sum <= 100.0001, `user+system+idle+iowait ≤ 100 (${sum})`);
    }
  });
});
