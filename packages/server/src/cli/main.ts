#!/usr/bin/env node
/**
 * The `tocsin` command: runs the command line with this process's streams,
 * environment and directory (see cli-runner.ts), and exits with its status.
 */
import { setProcessCliIo } from './cli-io.js';
import { runCli } from './cli-runner.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
setProcessCliIo(io);
runCli(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
