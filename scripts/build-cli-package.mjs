#!/usr/bin/env node
// Builds the stand-alone `tocsin` CLI package into dist/cli-package: the
// client commands (run, apply, export, publish, …) bundled by esbuild into one
// file with no runtime dependencies, for hosts that only run `tocsin run` from
// cron. The server (`tocsin start`, `tokens --local`) and its database drivers
// stay out. With `--pack DIR`, also runs `npm pack` and prints the tarball's path.
//
//   node scripts/build-cli-package.mjs [--out DIR] [--pack DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, pack: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(root, 'dist/cli-package'));
const server = JSON.parse(readFileSync(path.join(root, 'packages/server/package.json'), 'utf8'));

/** Modules replaced by a stub: what needs the server's code and native drivers. */
const stubs = {
  'start-command': `export const startCommand = {
  summary: 'run the server (not in this package)',
  async run() {
    process.stderr.write(
      'tocsin start: the server is not included in this package, which is the client CLI only; ' +
        'install the server from the Tocsin repository (see docs/deploy.md)\\n',
    );
    return 1;
  },
};`,
  'validate-offline': `export async function planOffline() {
  process.stderr.write(
    'tocsin validate: checked the file and its fields; the server-side checks (unique names, references) ' +
      'need the server installed, or run tocsin apply -f FILE --dry-run\\n',
  );
  return [];
}`,
  'token-local': `export async function withLocalTokens() {
  throw Object.assign(
    new Error(
      'tokens --local works on the server host, with the server installed; this package is the client CLI only',
    ),
    { code: 'ENOTSUP' },
  );
}`,
  'user-local': `export async function withLocalUsers() {
  throw Object.assign(
    new Error(
      'users --local works on the server host, with the server installed; this package is the client CLI only',
    ),
    { code: 'ENOTSUP' },
  );
}`,
};
/** Packages that must never end up in the bundle (native, or the server's). */
const forbidden = /node_modules\/(better-sqlite3|pg|pg-[a-z-]+|kysely|hono|@hono|nodemailer|croner|bindings)\//;

const stubPlugin = {
  name: 'tocsin-server-stubs',
  setup(b) {
    b.onResolve({ filter: /\/(start-command|token-local|user-local|validate-offline)\.js$/ }, (args) => ({
      path: path.basename(args.path, '.js'),
      namespace: 'tocsin-stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'tocsin-stub' }, (args) => ({ contents: stubs[args.path], loader: 'js' }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'packages/server/src/cli/main.ts')],
  outfile: path.join(out, 'tocsin.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  define: { __TOCSIN_VERSION__: JSON.stringify(server.version) },
  // Bundled CommonJS code (yaml) may call require() for node's own modules.
  banner: {
    js:
      "import { createRequire as __tocsinRequire } from 'node:module';\n" +
      'const require = __tocsinRequire(import.meta.url);',
  },
  plugins: [stubPlugin],
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
const leaked = Object.keys(result.metafile.inputs).filter((f) => forbidden.test(f));
if (leaked.length) {
  console.error(`build-cli-package: the bundle would need the server's packages:\n  ${leaked.join('\n  ')}`);
  process.exit(1);
}

writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify(
    {
      name: '@tocsin/cli',
      version: server.version,
      description: 'The Tocsin command-line client (tocsin run, apply, export, …) as one file with no dependencies',
      type: 'module',
      license: 'Apache-2.0',
      engines: { node: '>=20.19' },
      bin: { tocsin: './tocsin.mjs' },
      files: ['tocsin.mjs', 'README.md'],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  path.join(out, 'README.md'),
  `# @tocsin/cli ${server.version}

The \`tocsin\` command-line client, for hosts that talk to a Tocsin server
(\`tocsin run NAME -- job\` in a cron line, \`apply\`, \`export\`, \`publish\`, …)
without the server, its database drivers or a compiler. Node.js 20.19 or newer.

    npm install -g tocsin-cli-${server.version}.tgz
    export TOCSIN_URL=https://tocsin.example.com TOCSIN_TOKEN=tcn_…
    tocsin run nightly-backup -- /usr/local/bin/backup.sh

\`tocsin start\` is not in this package: the server is installed from the
Tocsin repository (its docs/deploy.md).
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
