#!/usr/bin/env node
// The `tocsin` command of the repository (`npx tocsin`, `npm run tocsin --`): runs the built CLI.
// It is a file of its own, not dist/cli/main.js, so that npm can link it before the first build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'tocsin: the CLI is not built yet: run `npm run build` (or `npm start`) in the repository first\n',
  );
  process.exit(1);
}
await import(main.href);
