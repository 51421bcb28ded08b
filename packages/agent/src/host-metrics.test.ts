import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FsStats } from './proc-parsers.js';
import { HostMetrics, type HostSources } from './host-metrics.js';

const MOUNTS = [
  '/dev/nvme0n1p1 / xfs rw,noatime 0 0',
  'proc /proc proc rw 0 0',
  'tmpfs /run tmpfs rw 0 0',
  '/dev/mapper/vg-data /srv ext4 rw 0 0',
].join('\n');

function sources(files: Record<string, string>, disks: Record<string, FsStats>): HostSources {
  return {
    procRoot: '/proc',
    readText: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT ${p}`);
      return files[p]!;
    },
    statfs: async (p) => {
      if (!(p in disks)) throw new Error(`ENOENT ${p}`);
      return disks[p]!;
    },
  };
}

describe('host metrics', () => {
  it("names disks as the CloudWatch agent does: path, device without /dev/, fstype; df's used percent", async () => {
    // 1,000 blocks of 4 KiB: 400 free, 300 of them for non-root; used = 600, so 600 / (600 + 300).
    const disk = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300 };
    const host = new HostMetrics(sources({ '/proc/self/mounts': MOUNTS }, { '/': disk, '/srv': disk }));
    const data = await host.collect();
    const used = data.filter((d) => d.name === 'disk_used_percent');
    assert.deepEqual(
      used.map((d) => d.dimensions),
      [
        { path: '/', device: 'nvme0n1p1', fstype: 'xfs' },
        { path: '/srv', device: 'mapper/vg-data', fstype: 'ext4' },
      ],
    );
    assert.ok(Math.abs(used[0]!.value - (600 / 900) * 100) < 1e-9, String(used[0]!.value));
    assert.equal(used[0]!.unit, 'Percent');
    assert.deepEqual(
      data.filter((d) => d.dimensions.path === '/').map((d) => d.name),
      ['disk_total', 'disk_free', 'disk_used', 'disk_used_percent'],
    );
  });
});
