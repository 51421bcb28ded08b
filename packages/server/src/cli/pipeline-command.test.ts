import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliServer } from '../test-support/cli-harness.js';
import { formatPipelineStatus, rowsOf } from './pipeline-command.js';

const parts = {
  watchdog: {
    topic: 'pipeline-watchdog',
    windowMs: 300_000,
    pending: { rule_error: 2 },
    raised: { dead_letter: 1 },
    last: { dead_letter: { at: Date.UTC(2026, 0, 1, 12), count: 3, by: { 'errors/hook': 3 }, published: true } },
    ownDeadLetters: 1,
    unpublished: 0,
    publishFailures: 0,
  },
  storage: { queueBytes: 1024, queueMaxBytes: 67108864, lastFlushError: null },
  ingest: {
    ingested: { ndjson: 120, otlp: 5 },
    dropped: { loop: 2, backpressure: 7 },
    stageFailures: { routes: 1 },
  },
};

describe('tocsin pipeline status', () => {
  it('prints each part as a table, the known parts first, the watchdog by kind', () => {
    const text = formatPipelineStatus(parts);
    assert.equal(
      text,
      [
        'INGEST',
        'KEY            VALUE',
        'ingested       ndjson=120, otlp=5',
        'dropped        loop=2, backpressure=7',
        'stageFailures  routes=1',
        '',
        'STORAGE',
        'KEY             VALUE',
        'queueBytes      1024',
        'queueMaxBytes   67108864',
        'lastFlushError  -',
        '',
        'WATCHDOG',
        'topic pipeline-watchdog, window 300s; ownDeadLetters 1',
        'KIND                     PENDING  RAISED  LAST                  LAST COUNT',
        'pipeline.dead_letter     0        1       2026-01-01T12:00:00Z  3',
        'pipeline.ingest_refused  0        0       -                     -',
        'pipeline.rule_error      2        0       -                     -',
        'pipeline.dropped         0        0       -                     -',
      ].join('\n'),
    );
  });

  it('walks nested parts by dotted keys, and says when there are no parts', () => {
    assert.deepEqual(rowsOf({ rules: { 'api-errors': { matched: 3, routed: 1 } } }), [
      ['rules.api-errors', 'matched=3, routed=1'],
    ]);
    assert.equal(formatPipelineStatus({}), 'no pipeline parts (is the log pipeline enabled?)');
  });
});

describe('tocsin pipeline status against a server', { timeout: 30_000 }, () => {
  let server: Awaited<ReturnType<typeof startCliServer>>;
  before(async () => {
    server = await startCliServer();
  });
  after(() => server.close());

  it('prints the table, or the JSON answer with --json', async () => {
    const table = await server.cli(['pipeline', 'status']);
    assert.equal(table.code, 0, table.stderr);
    const titles = table.stdout.split('\n').filter((line) => /^[A-Z][A-Z-]+$/.test(line));
    assert.deepEqual(titles, [
      'INGEST',
      'LISTENERS',
      'STORAGE',
      'RULES',
      'WATCHDOG',
      'EMBEDDED-METRICS',
      'LOG-ALARMS',
      'METRIC-FILTERS',
    ]);
    assert.match(table.stdout, /^INGEST\nKEY +VALUE\nevents +0\n/);
    assert.match(
      table.stdout,
      /\nWATCHDOG\ntopic pipeline-watchdog, window 300s\nKIND +PENDING +RAISED +LAST +LAST COUNT\n/,
    );
    for (const kind of ['dead_letter', 'ingest_refused', 'rule_error', 'dropped']) {
      assert.match(table.stdout, new RegExp(`\\npipeline\\.${kind} +0 +0 +- +-\\n`));
    }
    const json = await server.cli(['pipeline', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout).parts;
    assert.deepEqual(Object.keys(answer).sort(), titles.map((t) => t.toLowerCase()).sort());
    assert.equal(answer.watchdog.topic, 'pipeline-watchdog');
    const bad = await server.cli(['pipeline', 'status', '--nope']);
    assert.equal(bad.code, 2);
  });
});
