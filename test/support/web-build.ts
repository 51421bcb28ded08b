/**
 * The web app built into packages/web/dist for the browser tests and bench/ui: `vite build` in packages/web when
 * dist has no index.html or any source is newer than it, so a run builds at most once (the browser test files
 * run one after another; the first one builds) and a run after an edit never tests a stale bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './server-process.js';

export const webRoot = path.join(repoRoot, 'packages/web');
export const webDist = path.join(webRoot, 'dist');

/** What the bundle is built from: the web package and the protocol schemas its forms import. */
const sources = [
  path.join(webRoot, 'src'),
  path.join(webRoot, 'index.html'),
  path.join(webRoot, 'package.json'),
  path.join(webRoot, 'vite.config.ts'),
  path.join(webRoot, 'vite.config.js'),
  path.join(webRoot, 'public'),
  path.join(repoRoot, 'packages/protocol/src'),
];

function newest(file: string): number {
  if (!existsSync(file)) return 0;
  const st = statSync(file);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(file)) {
    if (name === 'node_modules' || name === 'dist') continue;
    max = Math.max(max, newest(path.join(file, name)));
  }
  return max;
}

/** Why dist must be (re)built, or undefined when it is current. */
export function webBuildNeeded(): string | undefined {
  const index = path.join(webDist, 'index.html');
  if (!existsSync(index)) return 'packages/web/dist/index.html is missing';
  const built = statSync(index).mtimeMs;
  const changed = Math.max(...sources.map(newest));
  return changed > built ? 'a source of packages/web is newer than its dist' : undefined;
}

/** Builds the web app when it is missing or stale; throws with vite's output when the build fails. */
export function ensureWebBuilt(log: (line: string) => void = () => {}): { built: boolean; seconds: number } {
  const why = webBuildNeeded();
  if (!why) return { built: false, seconds: 0 };
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    throw new Error('packages/web has no index.html: the web app is not there to build (is the UI merged?)');
  }
  log(`building the web app (${why})`);
  // vite's package exports hide its bin; its package.json names it.
  const vitePackage = createRequire(path.join(webRoot, 'package.json')).resolve('vite/package.json');
  const bin = JSON.parse(readFileSync(vitePackage, 'utf8')).bin;
  const vite = path.join(path.dirname(vitePackage), typeof bin === 'string' ? bin : bin.vite);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: webRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) {
    throw new Error(`vite build in packages/web failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return { built: true, seconds: (performance.now() - t0) / 1000 };
}
