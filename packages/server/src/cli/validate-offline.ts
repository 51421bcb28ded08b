/**
 * The server-side half of `tocsin validate`: the file planned by the server's
 * own code on a throwaway, empty Tocsin. The stand-alone CLI package, which
 * has no server, replaces this module (scripts/build-cli-package.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TocsinError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { issuesFromApi, type ConfigIssue } from '../config/config-loader.js';
import { loadSettings } from '../config/settings.js';

/** Plans FILE on a throwaway, empty Tocsin (the server's validators, offline); returns the issues. */
export async function planOffline(
  file: string,
  config: Record<string, unknown>,
  refs: Record<string, string>,
  locate: (p: string) => number,
): Promise<ConfigIssue[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-validate-'));
  // Loaded here, not at the top: the other commands need no database code.
  const { createTocsin } = await import('../app.js');
  const tocsin = await createTocsin(
    loadSettings({ 'data-dir': dir, 'admin-token': 'validate-only-token-0123456789' }, {}, dir),
    { logger: silentLogger },
  );
  try {
    await tocsin.config.apply({ config, refs, dryRun: true });
    return [];
  } catch (err) {
    if (!(err instanceof TocsinError)) throw err;
    const issues = issuesFromApi(err.details, file, locate);
    return issues.length ? issues : [{ file, line: 0, path: '', message: err.message }];
  } finally {
    await tocsin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
