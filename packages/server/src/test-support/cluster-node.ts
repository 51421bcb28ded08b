/**
 * One node of a cluster on a PostgreSQL schema, in this process, serving HTTP and agents on a port of its own
 * (its workers do not run: a test drives what it needs). Test support only.
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

export async function startClusterNode(schema: string, nodeId: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-node-'));
  const flags = {
    'data-dir': dir,
    'admin-token': TEST_ADMIN_TOKEN,
    'public-url': 'http://tocsin.test',
    'database-url': POSTGRES_URL,
    'node-id': nodeId,
  };
  const tocsin = await createTocsin(loadSettings(flags, {}, dir), { logger: silentLogger, schema });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    fetch: tocsin.http.fetch,
    upgrades: tocsin.upgrades,
  });
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
