import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTocsin, type Tocsin, type TocsinOptions } from '../app.js';
import type { Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { POSTGRES_URL, createPostgresSchema, type TestDatabase } from './test-databases.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * A whole Tocsin (services, HTTP app, outbox) on a fresh database of the
 * given kind; workers are not started, so tests drive them.
 */
export async function createTestApp(
  variant: TestDatabase['name'],
  options: {
    clock?: Clock;
    outbox?: TocsinOptions['outbox'];
    flags?: Record<string, string>;
    logger?: Logger;
    extraModules?: TocsinOptions['extraModules'];
    commandPorts?: TocsinOptions['commandPorts'];
    users?: TocsinOptions['users'];
    logs?: TocsinOptions['logs'];
  } = {},
): Promise<{ tocsin: Tocsin; dispose(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-app-'));
  let schema: { schema: string; drop(): Promise<void> } | undefined;
  const flags: Record<string, string> = {
    'data-dir': dir,
    'admin-token': TEST_ADMIN_TOKEN,
    'public-url': 'http://tocsin.test',
    ...options.flags,
  };
  if (variant === 'postgres') {
    schema = await createPostgresSchema();
    flags['database-url'] = POSTGRES_URL;
  }
  const settings = loadSettings(flags, {}, dir);
  const tocsin = await createTocsin(settings, {
    logger: options.logger ?? silentLogger,
    clock: options.clock,
    schema: schema?.schema,
    outbox: options.outbox,
    extraModules: options.extraModules,
    commandPorts: options.commandPorts,
    users: options.users,
    logs: options.logs,
  });
  return {
    tocsin,
    async dispose() {
      await tocsin.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the app's HTTP handler in-process with the admin token (or `token`). */
export async function call(
  tocsin: Tocsin,
  method: string,
  url: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await tocsin.http.request(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
