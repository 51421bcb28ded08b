import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatIssues, interpolate, issuesFromApi, loadConfigFile, loadConfigText } from './config-loader.js';

function errors(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = loadConfigText(text, 'tocsin.yaml', env);
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : formatIssues(r.issues).split('\n');
}

/** A file of these lines; `version: 1` goes last, so the lines keep their numbers. */
const lines = (...l: string[]) => `${[...l, 'version: 1'].join('\n')}\n`;

describe('config loader', () => {
  it('resolves references, defaults and $$, and remembers where references were', () => {
    const text = lines(
      'topics:',
      '  - name: ops',
      '    displayName: "costs $$5 in ${REGION:-eu}"',
      '    tags: { team: "${TEAM:-core}", literal: "$${NOT_A_REF}" }',
      '    subscriptions:',
      '      - protocol: slack',
      '        endpoint: ${SLACK_URL}',
    );
    const r = loadConfigText(text, 'f.yaml', { SLACK_URL: 'https://hooks.slack.com/services/X', TEAM: 'platform' });
    assert.ok(r.ok);
    const topic = (r.config.topics as Record<string, any>[])[0];
    assert.equal(topic.displayName, 'costs $5 in eu');
    assert.deepEqual(topic.tags, { team: 'platform', literal: '${NOT_A_REF}' });
    assert.equal(topic.subscriptions[0].endpoint, 'https://hooks.slack.com/services/X');
    assert.deepEqual(r.refs, {
      'topics.0.displayName': 'costs $$5 in ${REGION:-eu}',
      'topics.0.tags.team': '${TEAM:-core}',
      'topics.0.subscriptions.0.endpoint': '${SLACK_URL}',
    });
    assert.equal(r.locate('topics.0.subscriptions.0.endpoint'), 7);
    assert.equal(r.locate('topics.0.tags.team'), 4);
    assert.equal(r.locate('topics.0.nothing.here'), 2, 'falls back to the deepest node that exists');
    assert.equal(r.locate('monitors.3'), 1, 'and to line 1');
  });

  it('reports YAML syntax errors at their line', () => {
    assert.deepEqual(errors(lines('topics:', '  - name: ops', '    displayName: a: b', '  - name: c')), [
      'tocsin.yaml:3: Nested mappings are not allowed in compact mappings',
    ]);
    assert.deepEqual(errors(lines('topics:', '  - name: ops', '\tdisplayName: x')), [
      'tocsin.yaml:3: Tabs are not allowed as indentation',
    ]);
    const [first] = errors(lines('topics:', '  - name: ops', '   bad: [', ''));
    assert.match(first, /^tocsin\.yaml:3: /);
  });

  it('reports an unknown field at its own line', () => {
    assert.deepEqual(errors(lines('topics:', '  - name: ops', '    displayName: Ops', '    colour: red', 'extra: 1')), [
      'tocsin.yaml:4: topics.0.colour: unknown field',
      'tocsin.yaml:5: extra: unknown field',
    ]);
  });

  it('suggests the field an unknown key is closest to, where it stands', () => {
    const text = lines(
      'topcs: []', // 1
      'topics:',
      '  - name: ops',
      '    displayname: Ops', // 4
      '    subscriptions:',
      '      - protocol: webhook',
      '        endpont: http://127.0.0.1:9/hook', // 7
      'monitors:',
      '  - name: api',
      '    type: http',
      '    url: http://127.0.0.1:9/',
      '    intervall: 30s', // 12
      '    auth: { type: basic, username: u, passwrd: p }', // 13
      '  - name: db',
      '    type: tcp',
      '    host: 127.0.0.1',
      '    prot: 5432', // 17
      'heartbeats:',
      '  - name: nightly',
      '    peroid: 1d', // 20
      '    grace: 1h',
      'alarms:',
      '  - name: disk',
      '    namespace: Host',
      '    metricName: DiskUsed',
      '    statistic: Average',
      '    period: 5m',
      '    evaluationPeriod: 2', // 28
      '    evaluationPeriods: 2',
      '    threshold: 70',
      '    comparisonOperator: GreaterThanOrEqualToThreshold',
      '    colour: red', // 32
    );
    // The fields they stand for are then missing too: those issues are tested below.
    assert.deepEqual(
      errors(text).filter((l) => l.includes('unknown field')),
      [
        "tocsin.yaml:1: topcs: unknown field; did you mean 'topics'?",
        "tocsin.yaml:4: topics.0.displayname: unknown field; did you mean 'displayName'?",
        "tocsin.yaml:7: topics.0.subscriptions.0.endpont: unknown field; did you mean 'endpoint'?",
        "tocsin.yaml:12: monitors.0.intervall: unknown field; did you mean 'interval'?",
        "tocsin.yaml:13: monitors.0.auth.passwrd: unknown field; did you mean 'password'?",
        "tocsin.yaml:17: monitors.1.prot: unknown field; did you mean 'port'?",
        "tocsin.yaml:20: heartbeats.0.peroid: unknown field; did you mean 'period'?",
        "tocsin.yaml:28: alarms.0.evaluationPeriod: unknown field; did you mean 'evaluationPeriods'?",
        'tocsin.yaml:32: alarms.0.colour: unknown field',
      ],
    );
  });

  it('says a field left out is required, at the line of its mapping', () => {
    const text = lines(
      'monitors:',
      '  - name: db',
      '    type: tcp',
      '    port: 5432',
      'alarms:',
      '  - name: disk',
      '    namespace: Host',
      '    metricName: DiskUsed',
    );
    const out = errors(text);
    assert.equal(out[0], 'tocsin.yaml:2: monitors.0.host: required: missing here (expected string)');
    assert.ok(
      out.includes('tocsin.yaml:6: alarms.0.threshold: required: missing here (expected number)'),
      out.join('\n'),
    );
    const sub = errors(
      lines('topics:', '  - name: ops', '    subscriptions:', '      - endpoint: http://127.0.0.1:9/'),
    );
    assert.deepEqual(sub, [
      'tocsin.yaml:4: topics.0.subscriptions.0.protocol: required: missing here ' +
        "(one of 'email' | 'slack' | 'webhook' | 'pagerduty' | 'datadog' | 'datadog_logs' | 'loki' | " +
        "'teams' | 'discord' | 'telegram' | 'google_chat' | 'mattermost')",
    ]);
  });

  it('needs a version', () => {
    assert.deepEqual(errors('topics:\n  - name: ops\n'), [
      'tocsin.yaml:1: version: required: start the file with `version: 1` (the format of this file)',
    ]);
    assert.deepEqual(errors('version: 2\ntopics: []\n'), ['tocsin.yaml:1: version: Invalid input: expected 1']);
    assert.ok(loadConfigText('version: 1\ntopics: []\n', 'f', {}).ok);
  });

  it('reports every error of a file at once, in line order', () => {
    const text = lines(
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: webhook',
      '        endpoint: not-a-url',
      '      - protocol: pager',
      '        endpoint: x',
      '      - protocol: slack',
      '        endpoint: ${UNSET_URL}',
      'monitors:',
      '  - name: api',
      '    type: http',
      '    url: http://127.0.0.1:9/',
      '    interval: 3s',
    );
    const out = errors(text);
    assert.equal(out.length, 4, out.join('\n'));
    assert.equal(out[0], 'tocsin.yaml:5: topics.0.subscriptions.0.endpoint: an http:// or https:// URL');
    assert.match(out[1], /^tocsin\.yaml:6: topics\.0\.subscriptions\.1\.protocol: .*'webhook'/);
    assert.match(
      out[2],
      /^tocsin\.yaml:9: topics\.0\.subscriptions\.2\.endpoint: the environment variable UNSET_URL is not set/,
    );
    assert.match(out[3], /^tocsin\.yaml:14: monitors\.0\.interval: must be between 5s/);
  });

  it('names a missing or empty variable at its line, once', () => {
    const text = lines(
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: slack',
      '        endpoint: ${SLACK_URL}',
    );
    assert.deepEqual(errors(text), [
      'tocsin.yaml:5: topics.0.subscriptions.0.endpoint: ' +
        'the environment variable SLACK_URL is not set (write ${SLACK_URL:-default} for a default)',
    ]);
    assert.match(errors(text, { SLACK_URL: '' })[0], /SLACK_URL is empty/);
    const ok = loadConfigText(
      text.replace('${SLACK_URL}', '${SLACK_URL:-https://hooks.slack.com/services/default}'),
      'f',
      { SLACK_URL: '' },
    );
    assert.ok(ok.ok, 'a default covers an empty variable too');
  });

  it('reads a value that is wholly one reference as a number where the schema wants one, and only there', () => {
    const alarm = (threshold: string, periods = '2') =>
      lines(
        'alarms:',
        '  - name: disk',
        '    namespace: CWAgent',
        '    metricName: disk_used_percent',
        '    dimensions: { InstanceId: "${INSTANCE:-42}", path: / }',
        '    statistic: Average',
        '    period: ${PERIOD:-5m}',
        `    evaluationPeriods: ${periods}`,
        `    threshold: ${threshold}`,
        '    comparisonOperator: GreaterThanOrEqualToThreshold',
        '    alarmActions:',
        '      - runCommand: { command: "true", expected: "${HOSTS:-3}", targets: { tags: { role: web } } }',
      );
    const r = loadConfigText(alarm('${DISK_THRESHOLD:-70}', '${PERIODS:-2}'), 'f', { DISK_THRESHOLD: '81.5' });
    assert.ok(r.ok, r.ok ? '' : formatIssues(r.issues));
    const a = (r.config.alarms as Record<string, any>[])[0];
    assert.equal(a.threshold, 81.5);
    assert.equal(a.evaluationPeriods, 2);
    assert.equal(a.alarmActions[0].runCommand.expected, 3, 'inside one of the kinds of action too');
    assert.deepEqual(a.dimensions, { InstanceId: '42', path: '/' }, 'a dimension stays text, numeric or not');
    assert.equal(a.period, '5m');
    assert.equal(r.refs['alarms.0.threshold'], '${DISK_THRESHOLD:-70}', 'the reference is remembered as written');
    assert.match(
      errors(alarm('${DISK_THRESHOLD:-70}'), { DISK_THRESHOLD: 'high' })[0],
      /^tocsin\.yaml:9: alarms\.0\.threshold: .*expected number/,
      'text that is no number is still an error at its line',
    );
    assert.match(
      errors(alarm('7${DIGIT:-0}'))[0],
      /^tocsin\.yaml:9: alarms\.0\.threshold: .*expected number/,
      'a reference inside other text is text',
    );
  });

  it('rejects a malformed reference', () => {
    assert.match(
      errors(lines('topics:', '  - name: ops', '    displayName: "${oops"'))[0],
      /^tocsin\.yaml:3: topics\.0\.displayName: '\$\{' starts no valid reference/,
    );
  });

  it('rejects a key given twice, naming it', () => {
    assert.deepEqual(
      errors(
        lines(
          'topics:',
          '  - name: ops',
          '    tags: { a: x }',
          '    name: other',
          '  - name: b',
          '    tags: { a: x, a: y }',
        ),
      ),
      [
        "tocsin.yaml:4: topics.0.name: the key 'name' appears twice in this mapping",
        "tocsin.yaml:6: topics.1.tags.a: the key 'a' appears twice in this mapping",
      ],
    );
  });

  it('needs a mapping at the top', () => {
    assert.deepEqual(errors('- a\n'), [
      'tocsin.yaml:1: the file must be a mapping of sections (topics:, monitors:, …)',
    ]);
    const empty = loadConfigText('', 'f', {});
    assert.ok(empty.ok && Object.keys(empty.config).length === 0, 'an empty file is an empty config');
  });

  it('reports a missing file as one issue', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-loader-'));
    try {
      const missing = path.join(dir, 'nope.yaml');
      const r = loadConfigFile(missing, {});
      assert.ok(!r.ok);
      assert.equal(formatIssues(r.issues), `${missing}:0: cannot read the file: ENOENT`);
      writeFileSync(path.join(dir, 'ok.yaml'), 'version: 1\ntopics:\n  - name: ops\n');
      assert.ok(loadConfigFile(path.join(dir, 'ok.yaml'), {}).ok);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("maps the API's field issues to lines", () => {
    const r = loadConfigText(lines('topics:', '  - name: ops', '  - name: ops'), 'f.yaml', {});
    assert.ok(r.ok);
    const issues = issuesFromApi(
      { issues: [{ path: 'topics.1.name', message: "topic 'ops' is declared twice" }] },
      'f.yaml',
      r.locate,
    );
    assert.equal(formatIssues(issues), "f.yaml:3: topics.1.name: topic 'ops' is declared twice");
    assert.deepEqual(issuesFromApi(undefined, 'f.yaml', r.locate), []);
    const nul = issuesFromApi(
      { issues: [{ path: 'config.topics.1.name', message: 'must not contain a NUL character (\\u0000)' }] },
      'f.yaml',
      r.locate,
    );
    assert.equal(formatIssues(nul), 'f.yaml:3: topics.1.name: must not contain a NUL character (\\u0000)');
  });

  it('interpolates only ${NAME} forms', () => {
    assert.deepEqual(interpolate('$HOME and ${A}', { A: 'x', HOME: 'h' }), {
      value: '$HOME and x',
      problems: [],
      hasRef: true,
    });
    assert.deepEqual(interpolate('plain $', {}), { value: 'plain $', problems: [], hasRef: false });
  });
});
