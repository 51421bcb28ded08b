#!/usr/bin/env node
// Runs every test file (x.test.ts beside its source, whole-process tests
// under test/) with Node's test runner on the TypeScript sources.
//
// Unit files (under packages/) run in a few shared processes, each importing
// its share of the files one after another: a process of its own per file
// cost about a second of CPU each to load tsx and the server's modules, most
// of the suite's time on two cores. Whole-process tests (under test/) keep a
// process each and start first: they spend their time waiting on the servers
// they spawn, so the unit processes fill the cores around them.
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skip = new Set(['node_modules', 'dist', 'data']);
/** Processes sharing the unit files; test files run at once. Both can be set for a slower or bigger machine. */
const unitProcesses = Number(process.env.TOCSIN_TEST_UNIT_PROCESSES ?? 4);
const concurrency = Number(process.env.TOCSIN_TEST_CONCURRENCY ?? 4);

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
const matches = (f) => !filters.length || filters.some((x) => f.includes(x));
const wholeProcess = find(path.join(root, 'test'), []).sort().filter(matches);
const unit = find(path.join(root, 'packages'), []).sort().filter(matches);
if (wholeProcess.length + unit.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// The CLI bundled once for the servers the whole-process tests start: the same sources, without tsx's start-up
// per process. npm packages stay external (better-sqlite3 is native); the workspace's protocol is bundled. It sits
// where dist/cli/main.js does, so that reading ../../package.json finds the server's version.
const serverPackage = JSON.parse(readFileSync(path.join(root, 'packages/server/package.json'), 'utf8'));
const external = Object.keys(serverPackage.dependencies).filter((d) => !d.startsWith('@tocsin/'));
const bundle = path.join(root, 'packages/server/dist/test-cli/main.mjs');
if (wholeProcess.length) {
  await build({
    entryPoints: [path.join(root, 'packages/server/src/cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: external.flatMap((d) => [d, `${d}/*`]),
    logLevel: 'warning',
  });
}

// One entry file a unit process; files are dealt out in turn so each process gets a mix. Each process is one
// test file to the runner, under its time limit (eight processes instead of four made the CI run 95 s longer).
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tocsin-tests-'));
const groups = Array.from({ length: Math.min(unitProcesses, unit.length) }, () => []);
unit.forEach((f, i) => {
  groups[i % groups.length].push(f);
});
const entries = groups.map((group, i) => {
  const entry = path.join(tmp, `unit-${i + 1}.test.mjs`);
  const imports = group.map((f) => `await import(${JSON.stringify(pathToFileURL(path.join(root, f)).href)});`);
  writeFileSync(entry, `// ${group.length} unit test files of ${root}\n${imports.join('\n')}\n`);
  return entry;
});

// The cluster tests start three nodes (and sometimes a PostgreSQL) each: on two cores, two of them at once make
// each other's nodes miss their leases. They run one after another, once the rest has run.
const clusterFiles = wholeProcess.filter((f) => path.basename(f).startsWith('cluster-'));
// The browser tests (one Chromium and one server a file) run last, one file at a time: Chromium's renderer beside
// the crash and cluster tests would take the CPU their timing needs. The first of them builds the web app.
const browserFiles = wholeProcess.filter((f) => path.basename(f).startsWith('ui-'));
const rest = wholeProcess.filter((f) => !clusterFiles.includes(f) && !browserFiles.includes(f));

function runTests(files, fileConcurrency) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-C',
        'source',
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${fileConcurrency}`,
        // A test that hangs fails after 5 minutes. No --test-force-exit: every file closes what it opens, and a
        // file that leaves a handle open does not end, so it fails on the same timeout instead of passing.
        '--test-timeout=300000',
        '--test-reporter=spec',
        ...files,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', TOCSIN_TEST_CLI_BUNDLE: bundle } },
    );
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

// After the rest, not beside it: their load made the crash tests' probes time out on two cores.
const codes = [];
if (rest.length + entries.length) codes.push(await runTests([...rest, ...entries], concurrency));
if (clusterFiles.length) codes.push(await runTests(clusterFiles, 1));
if (browserFiles.length) codes.push(await runTests(browserFiles, 1));
rmSync(tmp, { recursive: true, force: true });
process.exit(Math.max(...codes));
