#!/usr/bin/env node
// Lines of at most 120 characters in the project's code (STYLE.md). The
// formatter keeps code within that width but leaves comments and long
// strings alone; this catches those. Prints file:line for each long line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx', '*.mjs', '*.js'],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter(Boolean);
let long = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > MAX) {
      long++;
      console.error(`${file}:${i + 1}: line is ${[...line].length} characters; at most ${MAX}`);
    }
  });
}
if (long) {
  console.error(`${long} line(s) longer than ${MAX} characters`);
  process.exit(1);
}
