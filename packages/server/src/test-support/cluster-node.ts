/**
 * One node of a cluster on a PostgreSQL schema, in this process, serving HTTP and agents on a port of its own.
 * Its workers do not run (a test drives what it needs) unless `workers` is set: then its scheduler runs, and it
 * renews its lease often, so that the partitions (and with them the scheduler's keys) are shared out in a second.
 * Test support only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTocsin } from '../app.js';
import { loadSettings } from '../config/settings.js';
import { silentLogger } from '../core/logger.js';
import { startHttpServer } from '../http/http-server.js';
import { TEST_ADMIN_TOKEN } from './test-app.js';
import { POSTGRES_URL } from './test-databases.js';

export async function startClusterNode(schema: string, nodeId: string, options: { workers?: boolean } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-node-'));
  const flags = {
    'data-dir': dir,
    'admin-token': TEST_ADMIN_TOKEN,
    'public-url': 'http://tocsin.test',
    'database-url': POSTGRES_URL,
    'node-id': nodeId,
    ...(options.workers ? { 'cluster-renew-interval': '200ms' } : {}),
  };
  const tocsin = await createTocsin(loadSettings(flags, {}, dir), { logger: silentLogger, schema });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    fetch: tocsin.http.fetch,
    upgrades: tocsin.upgrades,
  });
  if (options.workers) tocsin.start();
  return {
    tocsin,
    port: server.port,
    async close() {
      await server.close();
      await tocsin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ClusterNode = Awaited<ReturnType<typeof startClusterNode>>;
