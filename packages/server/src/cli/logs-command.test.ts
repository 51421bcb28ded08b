import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import type { Tocsin } from '../app.js';
import type { LogTailModule } from '../logs/log-tail-module.js';
import { logEvent } from '../test-support/log-event-fixture.js';
import { CLI_ADMIN_TOKEN, repoRoot, startCliServer } from '../test-support/cli-harness.js';
import { eventLine, SEND_BATCH_LINES } from './logs-send-command.js';
import { splitMessages, type StreamMessage } from './logs-tail-command.js';

type Stored = { id: string; group: string; message: string; level: number; levelText: string; source?: string };

/** The events of `group`, oldest first, through the real `GET /api/logs/query`. */
async function storedIn(url: string, group: string): Promise<Stored[]> {
  const q = new URLSearchParams({ group, order: 'asc', limit: '10000' });
  const res = await fetch(`${url}/api/logs/query?${q}`, { headers: { authorization: `Bearer ${CLI_ADMIN_TOKEN}` } });
  assert.equal(res.status, 200, `query of ${group}`);
  return ((await res.json()) as { events: Stored[] }).events;
}

/** Accepts events as an ingest route does, with their raw size. */
function accept(tocsin: Tocsin, events: LogEvent[], now = Date.now()): void {
  tocsin.logs.pipeline.accept(events, { format: 'test' }, JSON.stringify(events).length, now);
}

/** Makes the write queue say it is full for the next `n` batches: the real route answers 503 with Retry-After. */
function busyNext(tocsin: Tocsin, n: number): void {
  const writer = tocsin.logs.writer;
  const admit = writer.admit.bind(writer);
  let busy = n;
  writer.admit = (bytes) => {
    if (busy === 0) return admit(bytes);
    busy--;
    return { ok: false, retryAfterSeconds: 0.05 };
  };
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('tocsin logs', () => {
  const calls: { path: string; status: number }[] = [];
  let tail!: LogTailModule;
  let h: Awaited<ReturnType<typeof startCliServer>>;
  before(async () => {
    h = await startCliServer({
      observe: (req, res) =>
        calls.push({ path: new URL(req.url).pathname === '/api/logs' ? '/api/logs' : req.url, status: res.status }),
    });
    tail = h.tocsin.logModules.tail;
  });
  after(() => h.close());

  it('query prints time, level, source and message, newest first, following the pages up to --limit', async () => {
    const now = Date.now();
    const events = Array.from({ length: 2500 }, (_, i) =>
      logEvent(
        { group: 'checkout', source: 'pay', level: i % 10 ? 9 : 17, message: `line ${i}${i % 10 ? '' : ' ERROR'}` },
        now - 2500 + i,
      ),
    );
    accept(h.tocsin, events, now);
    calls.length = 0;
    const r = await h.cli(['logs', 'query', 'checkout', '--limit', '1500']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1500);
    assert.equal(lines[0], `${new Date(now - 1).toISOString()}  INFO   pay  line 2499`);
    assert.equal(lines[1499], `${new Date(now - 1500).toISOString()}  ERROR  pay  line 1000 ERROR`);
    assert.deepEqual(
      calls.map((c) => new URL(c.path).searchParams.get('limit')),
      ['1000', '500'],
    );
    assert.equal(new URL(calls[0].path).searchParams.get('cursor'), null);
    assert.ok(new URL(calls[1].path).searchParams.get('cursor'), "the second page asks from the first one's next");
  });

  it('query --pattern --since --json prints the matching events as JSON lines', async () => {
    const r = await h.cli(['logs', 'query', 'checkout', '--pattern', 'ERROR', '--since', '1h', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(events.length, 100);
    assert.ok(events.every((e) => e.message.endsWith('ERROR') && e.level === 17 && typeof e.id === 'string'));
    const q = new URL(calls.at(-1)!.path).searchParams;
    assert.ok(Math.abs(Number(q.get('end')) - Number(q.get('start')) - 3600_000) < 1000);
    const created = await fetch(`${h.url}/api/log-groups/empty-group`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${CLI_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty-group' }),
    });
    assert.ok(created.ok, `PUT /api/log-groups/empty-group: ${created.status}`);
    const none = await h.cli(['logs', 'query', 'empty-group']);
    assert.equal(none.code, 0);
    assert.equal(none.stderr, "no events in 'empty-group' matched\n");
  });

  it('query errors are one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['logs', 'query'], /^tocsin: logs query: give the GROUP \(see --help\)\n$/],
      [['logs', 'query', 'g', '--since', 'soon'], /^tocsin: logs query: --since 'soon' is not a duration/],
      [['logs', 'query', 'g', '--since', '1h', '--start', '0'], /give --since, or --start and --end, not both/],
      [['logs', 'query', 'g', '--start', 'yesterday'], /--start 'yesterday' is not a time/],
      [['logs', 'query', 'g', '--limit', '0'], /--limit '0' is not a whole number from 1/],
      [['logs', 'query', 'g', '--order', 'up'], /--order 'up' is not desc or asc/],
    ];
    for (const [args, expected] of cases) {
      const r = await h.cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    }
  });

  it('send ships a file in batches: model JSON as it is, other lines as messages, into the group', async () => {
    const file = path.join(h.dir, 'app.log');
    const lines = [
      '{"message":"in the model","level":"warn","source":"api"}',
      '',
      '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
      '{"msg":"another program\'s JSON","status":500}',
      ...Array.from({ length: SEND_BATCH_LINES + 10 }, (_, i) => `bulk ${i}`),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    calls.length = 0;
    const r = await h.cli(['logs', 'send', 'shipped', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `sent ${SEND_BATCH_LINES + 13} lines to 'shipped': ${SEND_BATCH_LINES + 13} accepted\n`);
    assert.equal(calls.filter((c) => c.path === '/api/logs').length, 2, 'two batches');
    const stored = await storedIn(h.url, 'shipped');
    assert.equal(stored.length, SEND_BATCH_LINES + 13);
    assert.ok(stored.every((e) => e.group === 'shipped'));
    assert.deepEqual(
      stored.slice(0, 3).map((e) => [e.message, e.levelText, e.source]),
      [
        ['in the model', 'warn', 'api'],
        [lines[2], '', undefined],
        [lines[3], '', undefined],
      ],
    );
  });

  it('send waits out a busy server, and names the lines it refused', async () => {
    const file = path.join(h.dir, 'bad.ndjson');
    writeFileSync(file, '{"message":"ok"}\n{"message":"bad trace","traceId":"xyz"}\nplain\n');
    busyNext(h.tocsin, 2);
    calls.length = 0;
    const r = await h.cli(['logs', 'send', file]);
    assert.deepEqual(
      calls.filter((c) => c.path === '/api/logs').map((c) => c.status),
      [503, 503, 200],
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'sent 3 lines: 2 accepted, 1 rejected\n');
    assert.equal(r.stderr, 'tocsin: line 2 rejected: traceId: a trace id: 32 lowercase hexadecimal digits\n');
    const missing = await h.cli(['logs', 'send', 'grp', 'no-such-file.log']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "tocsin: logs send: 'no-such-file.log' is not a file\n");
  });

  it('tail prints matching events as they come, and says so when the server ends it', async () => {
    const run = h.cli(['logs', 'tail', 'checkout', '--pattern', 'ERROR', '--level', 'warn']);
    await until('the tail opening', () => tail.hub.size === 1);
    const now = Date.now();
    accept(
      h.tocsin,
      [
        logEvent({ group: 'checkout', level: 17, source: 'pay', message: 'card ERROR' }, now),
        logEvent({ group: 'checkout', level: 17, source: 'pay', message: 'fine' }, now),
        logEvent({ group: 'other', level: 17, source: 'pay', message: 'other ERROR' }, now),
      ],
      now,
    );
    tail.hub.close();
    const r = await run;
    assert.equal(r.stdout, `${new Date(now).toISOString()}  ERROR  pay  card ERROR\n`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tocsin: the server ended the tail \(is it shutting down\?\): run the command again\n$/);
  });

  it('a bad tail pattern is one line with its position', async () => {
    const r = await h.cli(['logs', 'tail', '--pattern', '{ $.a = }']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^tocsin: GET \/api\/logs\/tail\?pattern=.*: 400 pattern: filter pattern: expected .* character 9/,
    );
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });
});

describe('tocsin logs, as processes', () => {
  let tail!: LogTailModule;
  let h: Awaited<ReturnType<typeof startCliServer>>;
  before(async () => {
    h = await startCliServer();
    tail = h.tocsin.logModules.tail;
  });
  after(() => h.close());

  function spawnCli(args: string[]) {
    const proc = spawn(
      process.execPath,
      ['-C', 'source', '--import', 'tsx', path.join(repoRoot, 'packages/server/src/cli/main.ts'), ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH, TOCSIN_URL: h.url, TOCSIN_TOKEN: CLI_ADMIN_TOKEN } },
    );
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => (stdout += c));
    proc.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
    return { proc, exited, out: () => stdout, err: () => stderr };
  }

  it('tail follows every group until Ctrl-C, then exits 0', async () => {
    const p = spawnCli(['logs', 'tail', '--json']);
    try {
      await until('the tail opening', () => tail.hub.size === 1);
      accept(h.tocsin, [logEvent({ group: 'a', message: 'first' }), logEvent({ group: 'b', message: 'second' })]);
      await until('the lines printed', () => p.out().includes('second'));
      p.proc.kill('SIGINT');
      assert.equal(await p.exited, 0, p.err());
      assert.deepEqual(
        p
          .out()
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).message),
        ['first', 'second'],
      );
      assert.equal(p.err(), '');
      await until('the tail being forgotten', () => tail.hub.size === 0);
    } finally {
      p.proc.kill('SIGKILL');
    }
  });

  it("send reads standard input with '-'", async () => {
    const p = spawnCli(['logs', 'send', 'piped', '-']);
    p.proc.stdin.end('one\n{"message":"two","level":"error"}\n');
    assert.equal(await p.exited, 0, p.err());
    assert.equal(p.out(), "sent 2 lines to 'piped': 2 accepted\n");
    assert.deepEqual(
      (await storedIn(h.url, 'piped')).map((e) => [e.group, e.message, e.level]),
      [
        ['piped', 'one', 0],
        ['piped', 'two', 17],
      ],
    );
  });
});

describe('the CLI side of the stream and of send', () => {
  it('splits event-stream text into messages, keeping the unfinished rest', () => {
    const out: StreamMessage[] = [];
    const rest = splitMessages(': ping\n\nevent: log\ndata: {"a":1}\n\nevent: dropped\ndata: {"co', out);
    assert.deepEqual(out, [{ event: 'log', data: '{"a":1}' }]);
    assert.equal(rest, 'event: dropped\ndata: {"co');
  });

  it('sends a model line as it is and any other line as a message', () => {
    assert.equal(eventLine('{"message":"m","level":"info"}'), '{"message":"m","level":"info"}');
    assert.equal(eventLine('{"msg":"m"}'), JSON.stringify({ message: '{"msg":"m"}' }));
    assert.equal(eventLine('{not json'), JSON.stringify({ message: '{not json' }));
    assert.equal(eventLine('plain "quoted"'), JSON.stringify({ message: 'plain "quoted"' }));
  });
});
