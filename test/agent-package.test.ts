/**
 * The installable agent: scripts/build-agent-package.mjs packs it, `npm install -g` takes the tarball alone
 * (offline: nothing from a registry, no compiler), and the installed `tocsin-agent` enrols with a real server
 * and comes online.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { api, repoRoot, startServer } from './support/server-process.js';

const run = promisify(execFile);
const TOKEN = 'agent-package-admin-token-0123456789';

/** Runs a program with only PATH and HOME, outside the repository, so nothing of the repository can be found. */
async function exec(file: string, args: string[], cwd: string) {
  try {
    const r = await run(file, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

describe('the agent package', () => {
  it('packs, installs offline with npm install -g, and the installed tocsin-agent enrols and connects', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-package-'));
    try {
      const script = path.join(repoRoot, 'scripts/build-agent-package.mjs');
      const built = await exec(process.execPath, [script, '--out', path.join(tmp, 'pkg'), '--pack', tmp], tmp);
      assert.equal(built.code, 0, built.stderr);
      const tarball = built.stdout.trim();
      assert.match(path.basename(tarball), /^tocsin-agent-\d+\.\d+\.\d+\.tgz$/);

      const prefix = path.join(tmp, 'prefix');
      const npmArgs = ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'];
      const installed = await exec('npm', [...npmArgs, '--cache', path.join(tmp, 'npm-cache'), tarball], tmp);
      assert.equal(installed.code, 0, installed.stderr);
      const { name } = JSON.parse(readFileSync(path.join(tmp, 'pkg/package.json'), 'utf8')) as { name: string };
      const pkgDir = path.join(prefix, 'lib/node_modules', name);
      assert.deepEqual(readdirSync(pkgDir).sort(), ['README.md', 'bin', 'dist', 'package.json'], 'no dependencies');
      const bin = path.join(prefix, 'bin/tocsin-agent');
      assert.ok(existsSync(bin), 'the bin is tocsin-agent');
      const help = await exec(bin, ['--help'], tmp);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^usage: tocsin-agent --url URL/);
      const bad = await exec(bin, ['--url', 'http://127.0.0.1:1', '--tag', 'no-equals'], tmp);
      assert.equal(bad.code, 78, 'wrong settings are EX_CONFIG');

      const server = await startServer({ TOCSIN_DATA_DIR: path.join(tmp, 'data'), TOCSIN_ADMIN_TOKEN: TOKEN });
      const token = (await api(server.url, TOKEN, 'POST', '/api/agents/enrollment-tokens', {})).json.token;
      const args = ['--url', server.url, '--enroll', token, '--state-dir', path.join(tmp, 'state'), '--name', 'pkg-1'];
      const agent = spawn(bin, args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp } });
      let out = '';
      agent.stderr.on('data', (c) => (out += c));
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      try {
        await waitFor(
          async () => {
            const { json } = await api(server.url, TOKEN, 'GET', '/api/agents');
            return (json.agents as { hostname: string; state: string; metrics: unknown }[]).find(
              (a) => a.hostname === 'pkg-1' && a.state === 'online' && a.metrics,
            );
          },
          30_000,
          `the installed agent online with metrics:\n${out}`,
        );
      } finally {
        agent.kill('SIGTERM');
        assert.equal(await exited, 0, `a stopped agent exits 0:\n${out}`);
        await server.stop();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
