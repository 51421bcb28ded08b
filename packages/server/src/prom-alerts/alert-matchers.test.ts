import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertRouteInputSchema, parseMatcher, postableAlertsSchema } from '@tocsin/protocol';
import { alertEvent, severityOf } from './alert-events.js';
import { fingerprintOf, groupKeyOf } from './alert-fingerprint.js';
import { compileMatchers } from './alert-matchers.js';

describe('alert matchers', () => {
  it("parses Alertmanager's four operators, quoted or bare", () => {
    assert.deepEqual(parseMatcher('severity=~"critical|page"'), { name: 'severity', op: '=~', value: 'critical|page' });
    assert.deepEqual(parseMatcher('team = ops'), { name: 'team', op: '=', value: 'ops' });
    assert.deepEqual(parseMatcher('env!="dev"'), { name: 'env', op: '!=', value: 'dev' });
    assert.deepEqual(parseMatcher('job!~"node.*"'), { name: 'job', op: '!~', value: 'node.*' });
    assert.deepEqual(parseMatcher('msg="say \\"hi\\""'), { name: 'msg', op: '=', value: 'say "hi"' });
  });

  it('says what is wrong with a bad matcher', () => {
    assert.match((parseMatcher('severity') as { error: string }).error, /is not a matcher/);
    assert.match((parseMatcher('1a=b') as { error: string }).error, /is not a matcher/);
    assert.match((parseMatcher('a="b') as { error: string }).error, /well-quoted/);
    assert.match((parseMatcher('a=~"("') as { error: string }).error, /does not compile/);
    const r = alertRouteInputSchema.safeParse({ name: 'r', topics: ['t'], matchers: ['ok=1', 'bad'] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['matchers', 1]);
  });

  it('matches as Alertmanager does: anchored regexes, a missing label is empty, every matcher must hold', () => {
    const m = compileMatchers(['severity=~"critical|page"', 'env!="dev"']);
    assert.equal(m({ severity: 'critical', env: 'prod' }), true);
    assert.equal(m({ severity: 'page' }), true);
    assert.equal(m({ severity: 'critical-ish', env: 'prod' }), false, 'the regex is anchored');
    assert.equal(m({ severity: 'critical', env: 'dev' }), false);
    assert.equal(compileMatchers(['team=""'])({ other: 'x' }), true, 'a missing label equals the empty string');
    assert.equal(compileMatchers(['team!~"ops|sre"'])({ team: 'sre' }), false);
    assert.equal(compileMatchers([])({ any: 'thing' }), true);
  });
});

describe('alert fingerprints', () => {
  it("equal prometheus/common's label set fingerprints (FNV-1a 64 over sorted labels)", () => {
    assert.equal(fingerprintOf({}), 'cbf29ce484222325');
    // 5799056148416392346 in prometheus/common's model tests.
    assert.equal(fingerprintOf({ name: 'garland, briggs', fear: 'love is not enough' }), '507a62d79ee76c9a');
  });

  it('do not depend on the order of the labels, and differ when a value does', () => {
    const a = fingerprintOf({ alertname: 'Down', instance: 'a:9100', job: 'node' });
    assert.equal(fingerprintOf({ job: 'node', instance: 'a:9100', alertname: 'Down' }), a);
    assert.notEqual(fingerprintOf({ alertname: 'Down', instance: 'b:9100', job: 'node' }), a);
    assert.match(a, /^[0-9a-f]{16}$/);
  });

  it('group by the values of the group_by labels only', () => {
    const one = groupKeyOf({ alertname: 'Down', instance: 'a' }, ['alertname']);
    assert.equal(groupKeyOf({ alertname: 'Down', instance: 'b' }, ['alertname']), one);
    assert.notEqual(groupKeyOf({ alertname: 'Up', instance: 'a' }, ['alertname']), one);
  });
});

describe('alert events', () => {
  const held = {
    route: 'pages',
    fingerprint: '0123456789abcdef',
    labels: { alertname: 'DiskFull', severity: 'page', instance: 'db1' },
    annotations: { summary: 'Disk full on db1', description: 'Only 1% left' },
    generatorUrl: 'http://prom/graph',
    startsAt: 1000,
    endsAt: 5000,
    group: { alertname: 'DiskFull' },
  };

  it('maps the severity label to Tocsin severities', () => {
    assert.equal(severityOf({ severity: 'page' }), 'critical');
    assert.equal(severityOf({ severity: 'Critical' }), 'critical');
    assert.equal(severityOf({ severity: 'high' }), 'error');
    assert.equal(severityOf({ severity: 'warning' }), 'warning');
    assert.equal(severityOf({ severity: 'info' }), 'info');
    assert.equal(severityOf({}), 'warning');
  });

  it('makes a firing and a resolved event paired by the fingerprint, labels as tags', () => {
    const firing = alertEvent(held, 'firing', 2000);
    assert.equal(firing.kind, 'alert.firing');
    assert.equal(firing.severity, 'critical');
    assert.equal(firing.title, 'Disk full on db1');
    assert.equal(firing.text, 'Only 1% left');
    assert.deepEqual(firing.source, { type: 'prometheus', name: 'DiskFull', tags: held.labels });
    const resolved = alertEvent(held, 'resolved', 9000);
    assert.equal(resolved.kind, 'alert.resolved');
    assert.equal(resolved.severity, 'ok');
    assert.equal(resolved.dedupKey, firing.dedupKey);
    assert.equal(alertEvent({ ...held, annotations: {} }, 'firing', 2000).title, 'DiskFull');
  });

  it("reads Alertmanager's postableAlerts and names the index and field of a bad one", () => {
    const ok = postableAlertsSchema.safeParse([
      { labels: { alertname: 'A' }, startsAt: '2026-12-04T01:02:03.456Z', endsAt: '2026-12-04T01:06:03Z' },
    ]);
    assert.equal(ok.success, true);
    assert.equal(ok.data?.[0].startsAt, Date.UTC(2026, 11, 4, 1, 2, 3, 456));
    const bad = postableAlertsSchema.safeParse([
      { labels: { alertname: 'A' } },
      { labels: { a: 'b' }, endsAt: 'soon' },
    ]);
    assert.deepEqual(bad.error?.issues[0].path, [1, 'endsAt']);
  });
});
