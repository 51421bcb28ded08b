import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIssues, interpolate, loadConfigText } from './config-loader.js';

function errors(text: string, env: NodeJS.ProcessEnv = {}): string {
  const r = loadConfigText(text, 'tocsin.yaml', env);
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? '' : formatIssues(r.issues);
}

describe('config loader', () => {
  it('resolves references, defaults and $$, and remembers where references were', () => {
    const text = 'topics:\n  - name: ops\n    displayName: "costs $$5 in ${REGION:-eu}"\n    subscriptions:\n      - protocol: slack\n        endpoint: ${SLACK_URL}\n';
    const r = loadConfigText(text, 'f.yaml', { SLACK_URL: 'https://hooks.slack.com/services/X' });
    assert.ok(r.ok);
    const topic = (r.config.topics as Record<string, any>[])[0];
    assert.equal(topic.displayName, 'costs $5 in eu');
    assert.equal(topic.subscriptions[0].endpoint, 'https://hooks.slack.com/services/X');
    assert.deepEqual(r.refs, { 'topics.0.displayName': 'costs $$5 in ${REGION:-eu}', 'topics.0.subscriptions.0.endpoint': '${SLACK_URL}' });
    assert.equal(r.locate('topics.0.subscriptions.0.endpoint'), 6);
    assert.equal(r.locate('topics.0.nothing.here'), 2, 'falls back to the deepest node that exists');
  });

  it('reports a YAML syntax error at its line', () => {
    assert.match(errors('topics:\n  - name: ops\n   bad: [\n'), /^tocsin\.yaml:\d+: /);
  });

  it('reports every schema error at its line, with its path', () => {
    const text = [
      'topics:',
      '  - name: ops',
      '    colour: red',
      '    subscriptions:',
      '      - protocol: webhook',
      '        endpoint: not-a-url',
      '      - protocol: pager',
      '        endpoint: x',
      'monitors:',
      '  - name: api',
      '    type: http',
      '    url: http://127.0.0.1:9/',
      '    interval: 3s',
    ].join('\n');
    const out = errors(text).split('\n');
    assert.ok(out.some((l) => /^tocsin\.yaml:2: topics\.0: .*colour/.test(l)), out.join('\n'));
    assert.ok(out.includes('tocsin.yaml:6: topics.0.subscriptions.0.endpoint: an http:// or https:// URL'), out.join('\n'));
    assert.ok(out.some((l) => /^tocsin\.yaml:7: topics\.0\.subscriptions\.1\.protocol: /.test(l)), out.join('\n'));
    assert.ok(out.some((l) => /^tocsin\.yaml:13: monitors\.0\.interval: must be between 5s/.test(l)), out.join('\n'));
  });

  it('names a missing variable at its line', () => {
    assert.equal(
      errors('topics:\n  - name: ops\n    subscriptions:\n      - protocol: slack\n        endpoint: ${SLACK_URL}\n'),
      'tocsin.yaml:5: topics.0.subscriptions.0.endpoint: the environment variable SLACK_URL is not set (write ${SLACK_URL:-default} for a default)',
    );
  });

  it('rejects a key given twice', () => {
    assert.match(errors('topics:\n  - name: ops\n    name: other\n'), /^tocsin\.yaml:3: a key appears twice/);
  });

  it('interpolates only ${NAME} forms', () => {
    assert.deepEqual(interpolate('$HOME and ${A}', { A: 'x', HOME: 'h' }), { value: '$HOME and x', missing: [], hasRef: true });
  });
});
