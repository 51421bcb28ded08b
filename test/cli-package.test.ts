import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { api, repoRoot, startServer } from './support/server-process.js';

const run = promisify(execFile);
const TOKEN = 'cli-package-admin-token-0123';

/** Runs a program with only PATH and HOME, outside the repository, so nothing of the repository can be found. */
async function exec(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    const r = await run(file, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
      timeout: 120_000,
      encoding: 'utf8',
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the stand-alone CLI package', () => {
  it(
    'packs, installs offline with npm install -g into ' + 'a prefix, and runs tocsin --version and tocsin run',
    async () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'tocsin-cli-package-'));
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-cli-package-data-'));
      try {
        const built = await exec(
          process.execPath,
          [path.join(repoRoot, 'scripts/build-cli-package.mjs'), '--out', path.join(tmp, 'pkg'), '--pack', tmp],
          tmp,
        );
        assert.equal(built.code, 0, built.stderr);
        const tarball = built.stdout.trim();
        assert.match(path.basename(tarball), /^tocsin-cli-\d+\.\d+\.\d+\.tgz$/);

        const prefix = path.join(tmp, 'prefix');
        const installed = await exec(
          'npm',
          [
            'install',
            '-g',
            '--prefix',
            prefix,
            '--offline',
            '--no-audit',
            '--no-fund',
            '--cache',
            path.join(tmp, 'npm-cache'),
            tarball,
          ],
          tmp,
        );
        assert.equal(installed.code, 0, installed.stderr);
        const pkgDir = path.join(prefix, 'lib/node_modules/@tocsin/cli');
        assert.deepEqual(
          readdirSync(pkgDir).sort(),
          ['README.md', 'package.json', 'tocsin.mjs'],
          'one file, no dependencies',
        );
        const tocsin = path.join(prefix, 'bin/tocsin');
        assert.ok(existsSync(tocsin), 'the bin is tocsin');

        const { version } = (await import('../packages/server/package.json', { with: { type: 'json' } })).default as {
          version: string;
        };
        const v = await exec(tocsin, ['--version'], tmp);
        assert.equal(v.code, 0, v.stderr);
        assert.equal(v.stdout, `tocsin ${version}\n`);

        const start = await exec(tocsin, ['start'], tmp);
        assert.equal(start.code, 1);
        assert.match(start.stderr, /^tocsin start: the server is not included in this package/);

        const server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
        try {
          const created = await api(server.url, TOKEN, 'POST', '/api/heartbeats', {
            name: 'nightly',
            period: '1h',
            grace: '5m',
          });
          assert.equal(created.status, 201, JSON.stringify(created.json));
          const job = await exec(tocsin, ['run', 'nightly', '--', 'true'], tmp, {
            TOCSIN_URL: server.url,
            TOCSIN_TOKEN: TOKEN,
          });
          assert.equal(job.code, 0, job.stderr);
          assert.equal(job.stderr, '');
          const kinds = await until('the start and success pings', async () => {
            const { json } = await api(server.url, TOKEN, 'GET', '/api/heartbeats/nightly/pings');
            const k = (json.pings as { kind: string }[]).map((p) => p.kind).sort();
            return k.length >= 2 ? k : undefined;
          });
          assert.deepEqual(kinds, ['start', 'success']);
          const failing = await exec(tocsin, ['run', 'nightly', '--', 'false'], tmp, {
            TOCSIN_URL: server.url,
            TOCSIN_TOKEN: TOKEN,
          });
          assert.equal(failing.code, 1, 'exits with the job status');
        } finally {
          await server.stop();
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
