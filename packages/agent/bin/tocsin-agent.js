#!/usr/bin/env node
// The `tocsin-agent` command: runs the built agent (dist/main.js), so that npm can link it before the first build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tocsin-agent: not built yet: run `npm run build` in the repository, or install the package\n');
  process.exit(1);
}
await import(main.href);
