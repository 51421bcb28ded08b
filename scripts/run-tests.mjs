#!/usr/bin/env node
// Runs every test file (x.test.ts beside its source, whole-process tests
// under test/) with Node's test runner on the TypeScript sources.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skip = new Set(['node_modules', 'dist', 'data']);

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (/\.test\.ts$/.test(name)) out.push(path.relative(root, full));
  }
  return out;
}

const filters = process.argv.slice(2);
let files = [...find(path.join(root, 'packages'), []), ...find(path.join(root, 'test'), [])].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  // A test that hangs fails after 3 minutes. No --test-force-exit: every file closes what it opens, and a
  // file that leaves a handle open does not end, so it fails on the same timeout instead of passing.
  ['-C', 'source', '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
