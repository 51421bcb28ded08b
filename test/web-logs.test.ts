/**
 * The log pages' pure helpers, on Node: the search's address to the query API and back, a pattern error's
 * position, the live tail's server-sent event parser, and the rule form's values to bodies that the protocol's
 * own logRuleInputSchema accepts (and refuses at the right field).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logRuleInputSchema } from '@tocsin/protocol';
import type { LogRuleView } from '../packages/web/src/core/api-types.js';
import {
  type LogRuleFormValues,
  ruleBody,
  ruleFormValues,
  ruleSummary,
} from '../packages/web/src/pages/log-rule-form-values.js';
import {
  errorPosition,
  formatBytes,
  humanize,
  levelTone,
  queryUrl,
  searchHref,
  searchOf,
  tailUrl,
  timeOf,
} from '../packages/web/src/pages/log-search-query.js';
import { parseSse } from '../packages/web/src/pages/log-sse.js';

describe('log search address', () => {
  it('reads what a notification links to: group, pattern and an epoch-ms or ISO range', () => {
    const s = searchOf(
      new URLSearchParams('group=api&pattern=%22timed+out%22&start=1700000000000&end=2023-11-14T23:00:00Z'),
    );
    assert.deepEqual(s, {
      group: 'api',
      pattern: '"timed out"',
      range: 'custom',
      start: '1700000000000',
      end: '2023-11-14T23:00:00Z',
    });
    const url = new URL(queryUrl(s, 0), 'http://x');
    assert.equal(url.pathname, '/api/logs/query');
    assert.equal(url.searchParams.get('group'), 'api');
    assert.equal(url.searchParams.get('pattern'), '"timed out"');
    assert.equal(url.searchParams.get('start'), '1700000000000');
    assert.equal(url.searchParams.get('end'), String(Date.parse('2023-11-14T23:00:00Z')));
    assert.equal(url.searchParams.get('order'), 'desc');
  });

  it('turns a preset into a window ending at the time of the search, and keeps the cursor', () => {
    const now = 1_700_000_000_000;
    const s = searchOf(new URLSearchParams('group=web&range=15m'));
    assert.equal(s.range, '15m');
    const url = new URL(queryUrl(s, now, 'abc'), 'http://x');
    assert.equal(url.searchParams.get('start'), String(now - 15 * 60_000));
    assert.equal(url.searchParams.get('end'), String(now));
    assert.equal(url.searchParams.get('cursor'), 'abc');
    assert.equal(searchOf(new URLSearchParams('')).range, '1h', 'the last hour by default');
  });

  it('writes back only what is set, so that a default search is plain /logs', () => {
    assert.equal(searchHref({ group: '', pattern: '', range: '1h', start: '', end: '' }), '/logs');
    assert.equal(
      searchHref({ group: 'a/b', pattern: 'ERROR', range: '6h', start: '', end: '' }),
      '/logs?group=a%2Fb&pattern=ERROR&range=6h',
    );
    const custom = { group: 'g', pattern: '', range: 'custom', start: '2026-01-01T00:00:00.000Z', end: '' };
    assert.deepEqual(searchOf(new URL(searchHref(custom), 'http://x').searchParams), custom);
    assert.equal(tailUrl({ group: '', pattern: '?ERROR ?WARN' }), '/api/logs/tail?pattern=%3FERROR+%3FWARN');
  });

  it('parses times, tones, sizes and the position a pattern error names', () => {
    assert.equal(timeOf('1700000000000'), 1_700_000_000_000);
    assert.equal(timeOf('nonsense'), undefined);
    assert.deepEqual([0, 1, 5, 9, 13, 17, 21, 24].map(levelTone), [
      'none',
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
      'fatal',
    ]);
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1_234_567), '1.2 MB');
    assert.equal(errorPosition('filter pattern: expected a value', { position: 6 }), 7, 'details are 0-based');
    assert.equal(errorPosition("filter pattern: field 'a' is named twice (character 12)"), 12);
    assert.equal(errorPosition('something else'), undefined);
    assert.equal(humanize('droppedByReason'), 'Dropped by reason');
    assert.equal(humanize('tocsin-ndjson'), 'tocsin-ndjson', 'data keys as they are');
  });
});

describe('live tail stream', () => {
  it('splits server-sent events across chunks, with named events, comments and CRLF', () => {
    const first = parseSse(': hello\n\nevent: log\ndata: {"a":1}\n\nevent: dropped\r\ndata: {"count"');
    assert.deepEqual(first.messages, [{ event: 'log', data: '{"a":1}' }]);
    const second = parseSse(`${first.rest}: 3}\r\n\r\ndata: one\ndata: two\n\n`);
    assert.deepEqual(second.messages, [
      { event: 'dropped', data: '{"count": 3}' },
      { event: 'message', data: 'one\ntwo' },
    ]);
    assert.equal(second.rest, '');
  });
});

describe('log rule form', () => {
  const base = ruleFormValues();

  it('makes bodies of each kind that the protocol schema accepts', () => {
    const cases: Partial<LogRuleFormValues>[] = [
      { kind: 'route', name: 'timeouts', pattern: '"Task timed out"', topics: 'pagerduty, slack', throttle: '10m' },
      {
        kind: 'metric_filter',
        name: 'latency',
        pattern: '{ $.latency > 0 }',
        namespace: 'App',
        metricName: 'Latency',
        value: '$.latency',
        dimensions: 'Region=$.region',
        unit: 'Milliseconds',
      },
      { kind: 'alarm', name: 'errors', pattern: 'ERROR', threshold: '5', period: '5m', alarmActions: 'ops' },
      { kind: 'alarm', name: 'ratio', measure: 'ratio', threshold: '2.5', minCount: '100', okActions: 'ops' },
    ];
    for (const c of cases) {
      const body = ruleBody({ ...base, ...c });
      const parsed = logRuleInputSchema.safeParse(body);
      assert.ok(parsed.success, `${c.name}: ${JSON.stringify(!parsed.success && parsed.error.issues)}`);
    }
    const route = ruleBody({ ...base, name: 'r', topics: 'a, b' });
    assert.deepEqual(route.topics, ['a', 'b']);
    assert.equal(route.namespace, undefined, "a route's body has no metric filter fields");
    const metric = ruleBody({ ...base, kind: 'metric_filter', name: 'm', namespace: 'N', metricName: 'M', value: '3' });
    assert.equal(metric.value, 3);
  });

  it('leaves mistakes for the schema to name at their fields', () => {
    const issues = (v: Partial<LogRuleFormValues>) => {
      const parsed = logRuleInputSchema.safeParse(ruleBody({ ...base, ...v }));
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    assert.deepEqual(issues({ name: 'r', topics: '' }), ['topics']);
    assert.deepEqual(issues({ name: 'r', topics: 'ops', throttle: 'soon' }), ['throttle']);
    assert.deepEqual(issues({ kind: 'alarm', name: 'a', threshold: 'many' }), ['threshold']);
    const dims = 'A=$.a, B=$.b, C=$.c, D=$.d';
    assert.deepEqual(issues({ kind: 'metric_filter', name: 'm', namespace: 'N', metricName: 'M', dimensions: dims }), [
      'dimensions',
    ]);
  });

  it('shows a stored rule again as the values it came from', () => {
    const stored = logRuleInputSchema.parse({
      kind: 'route',
      name: 'r',
      group: 'api',
      pattern: 'ERROR',
      topics: ['ops'],
      throttle: '90s',
    }) as LogRuleView;
    const values = ruleFormValues(stored);
    assert.equal(values.throttle, '90s');
    assert.equal(values.topics, 'ops');
    assert.deepEqual(logRuleInputSchema.parse(ruleBody(values)), stored);
    assert.equal(ruleSummary(stored), '→ ops (error)');
  });
});
