#!/usr/bin/env node
// Builds the installable `tocsin-agent` package into dist/agent-package: the agent and everything it uses
// (@tocsin/protocol, zod, yaml, ws) bundled by esbuild into dist/main.js, run by bin/tocsin-agent.js, so that
// `npm install -g tocsin-agent-X.tgz` needs neither the registry nor a compiler on the host. With `--pack DIR`,
// also runs `npm pack` and prints the tarball's path.
//
//   node scripts/build-agent-package.mjs [--out DIR] [--pack DIR]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, pack: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(root, 'dist/agent-package'));
const agent = JSON.parse(readFileSync(path.join(root, 'packages/agent/package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'bin'), { recursive: true });
await build({
  entryPoints: [path.join(root, 'packages/agent/src/main.ts')],
  outfile: path.join(out, 'dist/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  // ws's optional native speed-ups: absent, ws uses its JavaScript code.
  external: ['bufferutil', 'utf-8-validate'],
  // Bundled CommonJS code (ws, yaml) calls require() for node's own modules.
  banner: {
    js:
      "import { createRequire as __tocsinRequire } from 'node:module';\n" +
      'const require = __tocsinRequire(import.meta.url);',
  },
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(path.join(root, 'packages/agent/bin/tocsin-agent.js'), path.join(out, 'bin/tocsin-agent.js'));
writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify(
    {
      name: 'tocsin-agent',
      version: agent.version,
      description: agent.description,
      type: 'module',
      license: 'Apache-2.0',
      engines: { node: '>=20.19' },
      bin: { 'tocsin-agent': './bin/tocsin-agent.js' },
      files: ['bin', 'dist', 'README.md'],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  path.join(out, 'README.md'),
  `# tocsin-agent ${agent.version}

The Tocsin host agent: host metrics, log shipping and run-command over one
outbound WebSocket. Node.js 20.19 or newer; no native code, no dependencies.

    npm install -g tocsin-agent-${agent.version}.tgz
    tocsin-agent --url https://tocsin.example.com --enroll TOKEN --tag role=web

See docs/agent.md in the Tocsin repository.
`,
);

if (values.pack) {
  const dest = path.resolve(values.pack);
  mkdirSync(dest, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
      cwd: out,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  process.stdout.write(`${path.join(dest, packed[0].filename)}\n`);
}
