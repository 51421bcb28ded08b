import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addDays } from '../core/zoned-dates.js';
import { call } from '../test-support/test-app.js';
import { logEvent } from '../test-support/log-event-fixture.js';
import { startCliServer } from '../test-support/cli-harness.js';
import { bytesText, progressLine } from './archive-run-command.js';
import { formatJobs } from './archive-command.js';

describe('tocsin archive formatting', () => {
  it('draws the progress bar from days done and total, with lines and bytes', () => {
    const run = { id: 'r', job: 'j', trigger: 'manual', lines: 1200, storedBytes: 4200 };
    assert.equal(
      progressLine({ ...run, state: 'running', daysDone: 3, daysTotal: 6 }),
      '[############------------] 3/6 days  1200 lines  4.1 KB  running',
    );
    assert.equal(
      progressLine({ ...run, state: 'queued', daysDone: 0, daysTotal: 0 }),
      '[------------------------] 0/0 days  1200 lines  4.1 KB  queued',
    );
    assert.deepEqual([bytesText(512), bytesText(1536), bytesText(5 * 1024 ** 3)], ['512 B', '1.5 KB', '5.0 GB']);
  });

  it('says how to declare a job when there is none', () => {
    assert.match(formatJobs([]), /archives: in the config file, see docs\/archive\.md/);
  });
});

describe('tocsin archive against a server', { timeout: 60_000 }, () => {
  let h: Awaited<ReturnType<typeof startCliServer>>;
  // Two whole days that have ended in UTC, whatever the time of the test.
  const today = new Date().toISOString().slice(0, 10);
  const [d1, d2] = [addDays(today, -3), addDays(today, -2)];
  const lines = (day: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      logEvent({ group: 'web', source: 'apache', message: `GET /${day}/${i} 200` }, Date.parse(`${day}T10:00:00Z`) + i),
    );

  before(async () => {
    h = await startCliServer();
    const events = [...lines(d1, 30), ...lines(d2, 12)];
    h.tocsin.logs.pipeline.accept(events, { format: 'test' }, JSON.stringify(events).length, Date.now());
    await h.tocsin.logs.writer.flush();
    const dest = { type: 'directory', path: path.join(h.dir, 'archive') };
    const put = await call(h.tocsin, 'PUT', '/api/archives/nightly', { groups: ['web'], destination: dest });
    assert.equal(put.status, 201, put.text);
    // A destination under a file: every write fails.
    writeFileSync(path.join(h.dir, 'a-file'), 'x');
    const bad = { type: 'directory', path: path.join(h.dir, 'a-file', 'archive') };
    const put2 = await call(h.tocsin, 'PUT', '/api/archives/broken', { groups: ['web'], destination: bad });
    assert.equal(put2.status, 201, put2.text);
  });
  after(() => h.close());

  it('run backfills the days with a progress bar and exits 0; ls and cat read them back', async () => {
    const r = await h.cli(['archive', 'run', 'nightly', '--from', d1, '--to', d2, '--group', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const progress = r.stderr.trimEnd().split('\n');
    assert.match(progress.at(-1)!, /^\[#{24}\] 2\/2 days {2}42 lines {2}\d+(\.\d)? K?B {2}succeeded$/);
    assert.match(r.stdout, /^run \S+ succeeded: 2 days, 42 lines, /);

    const ls = await h.cli(['archive', 'ls', 'nightly']);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout.trimEnd().split('\n');
    assert.match(rows[0], /^GROUP +DAY +LINES +PARTS +STORED +FIRST +LAST$/);
    assert.match(rows[1], new RegExp(`^web +${d1} +30 +1 +\\d+ B +${d1}T10:00:00`));
    assert.match(rows[2], new RegExp(`^web +${d2} +12 +1 `));
    // Yesterday, the job's first day, was caught up on its own: a day after the group's oldest event, with no lines.
    assert.match(rows[3], new RegExp(`^web +${addDays(today, -1)} +0 +0 `));
    assert.equal(rows.length, 4);

    const cat = await h.cli(['archive', 'cat', 'nightly', '--group', 'web', '--day', d1]);
    assert.equal(cat.code, 0, cat.stderr);
    const out = cat.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string });
    assert.deepEqual(
      out.map((e) => e.message),
      lines(d1, 30).map((e) => e.message),
    );

    const list = await h.cli(['archive', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const nightly = list.stdout.split('\n').find((l) => l.startsWith('nightly'));
    assert.match(list.stdout, /^NAME +GROUPS +ZONE +WHERE +LAST RUN +ARCHIVED +FAILED +PENDING +NEXT RUN\n/);
    assert.match(nightly ?? '', /^nightly +web +UTC +\S+archive\S* +succeeded \S+Z +3 +0 +\d+ +\d{4}-\d\d-\d\dT/);
  });

  it('a missing day is a one-line error naming the group and the day', async () => {
    const r = await h.cli(['archive', 'cat', 'nightly', '--group', 'web', '--day', '2020-01-01']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "tocsin: archive cat: job 'nightly' has no archive of group 'web' on 2020-01-01\n");
  });

  it('a failed run exits 1 with its error on one line; --no-wait prints the id', async () => {
    const r = await h.cli(['archive', 'run', 'broken', '--from', d1, '--to', d1]);
    assert.equal(r.code, 1, r.stderr);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^archive run broken: run \S+ failed: .*web/);
    const id = await h.cli(['archive', 'run', 'nightly', '--from', d2, '--to', d2, '--no-wait']);
    assert.equal(id.code, 0, id.stderr);
    const runs = await call(h.tocsin, 'GET', '/api/archives/nightly/runs');
    assert.ok(
      runs.json.runs.some((x: { id: string }) => x.id === id.stdout.trim()),
      id.stdout,
    );
  });

  it('bad arguments are one-line errors naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'nightly', '--from', '2026-13-01', '--to', d1], /--from '2026-13-01' is not a day/],
      [['run', 'nightly', '--from', d1], /--from needs --to/],
      [['run', 'nightly', '--from', d2, '--to', d1], /--to '\S+' is before --from/],
      [['cat', 'nightly', '--day', d1], /give --group G/],
      [['cat', 'nightly', '--group', 'web', '--day', 'yesterday'], /--day 'yesterday' is not a day/],
      [['ls'], /give the JOB/],
    ];
    for (const [args, re] of cases) {
      const r = await h.cli(['archive', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
    const unknown = await h.cli(['archive', 'run', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nope/);
  });
});
