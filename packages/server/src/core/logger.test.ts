import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLogger, type LogLevel } from './logger.js';

const run = promisify(execFile);

function capture(level: LogLevel = 'debug', base: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const logger = createLogger(level, base, (line) => lines.push(line));
  const entries = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
  return { logger, lines, entries };
}

describe('logger', () => {
  it('writes an Error under err with its type, message and stack', () => {
    const { logger, entries } = capture();
    const err = new Error('the database refused the batch', { cause: new Error('disk full') });
    logger.error('scheduled item failed', { job: 'monitor-check', key: 'api', err });
    const [entry] = entries();
    assert.equal(entry.msg, 'scheduled item failed');
    assert.equal(entry.job, 'monitor-check');
    assert.equal(entry.err.type, 'Error');
    assert.match(entry.err.message, /^the database refused the batch/);
    assert.match(entry.err.stack, /^Error: the database refused the batch\n\s+at .*logger\.test\.ts/);
    assert.match(entry.err.stack, /caused by: Error: disk full/, 'the cause keeps its stack too');
  });

  it('writes an Error under any other field with its stack, and other values as they are', () => {
    const { logger, entries } = capture();
    const failure = new TypeError('not a function');
    const fields = { failure, err: 'a thrown string', count: 2 };
    logger.warn('writing monitor results failed', fields);
    const [entry] = entries();
    assert.equal(entry.failure.type, 'TypeError');
    assert.match(entry.failure.stack, /logger\.test\.ts/);
    assert.equal(entry.err, 'a thrown string');
    assert.equal(entry.count, 2);
    assert.equal(fields.failure, failure, "the caller's fields are not changed");
  });

  it('redacts secrets by field name, at the top, in nested objects and on errors', () => {
    const { logger, lines, entries } = capture();
    const hook = 'https://hooks.example/services/T0/B0/s3cr3t';
    const secrets = ['Bearer tk_admin', 'tk_1234', 'hunter2', 'R0UT1NGKEY', 'dd-key-1', 'X-Secret', hook, 'whsec'];
    const urlError = Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: secrets[6] });
    logger.info('sending', {
      authorization: secrets[0],
      token: secrets[1],
      user: { name: 'ops', password: secrets[2] },
      spec: {
        protocol: 'pagerduty',
        routingKey: secrets[3],
        apiKey: secrets[4],
        headers: { 'x-custom': secrets[5] },
        endpoint: secrets[6],
        secret: secrets[7],
      },
      req: { headers: { authorization: secrets[0] } },
      err: urlError,
      subscription: 'oncall',
    });
    logger.child({ smtpUrl: 'smtp://mailer:hunter2@mail.example' }).info('mail');
    for (const s of secrets) assert.ok(!lines.join('\n').includes(s), `${s} stays out of the log`);
    const [entry, child] = entries();
    assert.equal(entry.authorization, '<redacted>');
    assert.equal(entry.token, '<redacted>');
    assert.deepEqual(entry.user, { name: 'ops', password: '<redacted>' });
    assert.equal(entry.spec.protocol, 'pagerduty');
    assert.equal(entry.spec.routingKey, '<redacted>');
    assert.equal(entry.spec.headers, '<redacted>');
    assert.equal(entry.req.headers, '<redacted>');
    assert.equal(entry.err.input, '<redacted>');
    assert.equal(entry.err.code, 'ERR_INVALID_URL');
    assert.equal(entry.subscription, 'oncall');
    assert.equal(child.smtpUrl, '<redacted>');
  });

  it('puts base and child bindings on every line of the child, not on the parent', () => {
    const { logger, entries } = capture('info', { node: 'n1' });
    const scheduler = logger.child({ component: 'scheduler' });
    scheduler.child({ job: 'retention' }).info('pruned', { rows: 3 });
    logger.info('started');
    const [child, parent] = entries();
    assert.equal(child.node, 'n1');
    assert.equal(child.component, 'scheduler');
    assert.equal(child.job, 'retention');
    assert.equal(child.rows, 3);
    assert.equal(parent.node, 'n1');
    assert.equal(parent.component, undefined);
  });

  it('filters by level and names the level and the ISO time on each line', () => {
    const { logger, entries } = capture('warn');
    const child = logger.child({ component: 'outbox' });
    for (const l of [logger, child]) {
      l.debug('d');
      l.info('i');
      l.warn('w');
      l.error('e');
    }
    const got = entries();
    assert.deepEqual(
      got.map((e) => `${e.level}:${e.msg}`),
      ['warn:w', 'error:e', 'warn:w', 'error:e'],
    );
    for (const e of got) assert.ok(!Number.isNaN(Date.parse(e.time)) && e.time.endsWith('Z'), e.time);
    const { logger: debug, entries: all } = capture('debug');
    debug.debug('d');
    assert.deepEqual(
      all().map((e) => e.level),
      ['debug'],
    );
  });

  it('writes JSON lines to stderr, nothing to stdout', async () => {
    const script = [
      "import { createLogger } from './packages/server/src/core/logger.ts';",
      "const l = createLogger('info');",
      "l.info('one', { n: 1 }); l.debug('dropped'); l.error('two', { err: new Error('e') });",
    ].join('\n');
    const args = ['-C', 'source', '--import', 'tsx', '--input-type=module', '-e', script];
    const cwd = new URL('../../../..', import.meta.url);
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: 30_000 });
    assert.equal(stdout, '');
    const lines = stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(
      lines.map((e) => e.msg),
      ['one', 'two'],
    );
    assert.equal(lines[0].n, 1);
    assert.match(lines[1].err.stack, /^Error: e/);
  });
});
