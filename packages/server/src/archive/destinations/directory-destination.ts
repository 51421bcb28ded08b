/** An archive in a directory of this node's disk: each object is written to a temporary name, then renamed. */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveDestination } from '@tocsin/protocol';
import type { ArchiveStore, StoredObject } from './archive-destination.js';

type DirectorySpec = Extract<ArchiveDestination, { type: 'directory' }>;

export function directoryDestination(spec: DirectorySpec): ArchiveStore {
  const root = path.resolve(spec.path);
  const full = (key: string) => {
    const p = path.resolve(root, key);
    if (p !== root && !p.startsWith(root + path.sep)) throw new Error(`key outside the archive: ${key}`);
    return p;
  };
  return {
    where: root,
    async write(key, body: Readable) {
      const target = full(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
      try {
        await pipeline(body, createWriteStream(tmp));
        await fs.rename(tmp, target);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      }
    },
    async list(prefix) {
      const out: StoredObject[] = [];
      const base = full(prefix.endsWith('/') ? prefix : path.posix.dirname(prefix));
      const walk = async (dir: string): Promise<void> => {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await fs.readdir(dir, { withFileTypes: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        for (const e of entries) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) await walk(p);
          else if (e.isFile() && !e.name.includes('.tmp-')) {
            const key = path.relative(root, p).split(path.sep).join('/');
            if (key.startsWith(prefix)) out.push({ key, size: (await fs.stat(p)).size });
          }
        }
      };
      await walk(base);
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async read(key) {
      try {
        await fs.access(full(key));
      } catch {
        return null;
      }
      return createReadStream(full(key));
    },
    async remove(keys) {
      for (const k of keys) await fs.rm(full(k), { force: true });
    },
  };
}
