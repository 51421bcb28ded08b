import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { createTestApp } from '../test-support/test-app.js';
import { runCli } from './cli-runner.js';

function collector() {
  let text = '';
  const write = (c: string | Uint8Array) => {
    text += String(c);
    return true;
  };
  return { write, text: () => text };
}

async function cli(args: string[], stdin?: string) {
  const stdout = collector();
  const stderr = collector();
  const io = {
    stdout,
    stderr,
    env: {},
    cwd: process.cwd(),
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
  };
  const code = await runCli(args, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('tocsin users (--local) and tokens --scope write', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
  });
  after(() => dispose());

  it('creates the first admin on the host with the password from stdin, and lists it', async () => {
    const dir = ['--local', '--data-dir', tocsin.settings.dataDir];
    const made = await cli(
      ['users', 'create', 'ada', '--role', 'admin', '--password-stdin', ...dir],
      'a long password\n',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /user 'ada' \(admin\) created/);
    assert.equal((await tocsin.users.users.verifyLogin('ada', 'a long password')).role, 'admin');
    const listed = await cli(['users', 'list', ...dir]);
    assert.match(listed.stdout, /^NAME +ROLE +TOTP/m);
    assert.match(listed.stdout, /^ada +admin +off/m);
    const short = await cli(['users', 'create', 'bob', '--role', 'viewer', '--password-stdin', ...dir], 'short\n');
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /password: use at least 10 characters/);
    const role = await cli(['users', 'create', 'bob', '--role', 'root', '--password-stdin', ...dir], 'x');
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role 'root'/);
    const noTty = await cli(['users', 'create', 'bob', '--role', 'viewer', ...dir], '');
    assert.match(noTty.stderr, /--password-stdin/);
  });

  it('creates a write token with --local', async () => {
    const dir = ['--local', '--data-dir', tocsin.settings.dataDir];
    const made = await cli(['tokens', 'create', 'ci-writer', '--scope', 'write', ...dir]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await tocsin.tokens.authenticate(made.stdout.trim()))?.scope, 'write');
  });
});
