#!/usr/bin/env node
/**
 * The `tocsin` command: runs the command line with this process's streams,
 * environment and directory (see cli-runner.ts), and exits with its status.
 */
import { runCli } from './cli-runner.js';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
