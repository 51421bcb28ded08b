import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, LogGroupSpec } from '@tocsin/protocol';
import { groupMatches, matchedGroup, routeGroups } from './group-routing.js';

const event = (over: Partial<LogEvent>): LogEvent => ({
  time: 1,
  observedTime: 1,
  group: 'default',
  level: 0,
  levelText: '',
  message: 'm',
  attributes: {},
  resource: {},
  ...over,
});

const specs: LogGroupSpec[] = [
  { name: 'plain', retentionDays: 30 },
  { name: 'payments', retentionDays: 30, match: { sources: ['checkout', 'refunds'] } },
  { name: 'eu', retentionDays: 30, match: { labels: { cluster: 'eu-1', env: 'prod' } } },
  { name: 'also-checkout', retentionDays: 30, match: { sources: ['checkout'] } },
];

describe('group routing', () => {
  it('matches by source, or by every label against the resource', () => {
    assert.equal(groupMatches(specs[1], event({ source: 'refunds' })), true);
    assert.equal(groupMatches(specs[1], event({ source: 'other' })), false);
    assert.equal(groupMatches(specs[2], event({ resource: { cluster: 'eu-1', env: 'prod', x: 1 } })), true);
    assert.equal(groupMatches(specs[2], event({ resource: { cluster: 'eu-1' } })), false);
    assert.equal(groupMatches(specs[0], event({ source: 'checkout' })), false);
    assert.equal(groupMatches({ name: 'n', retentionDays: 1, match: { labels: {} } }, event({})), false);
  });

  it('takes the first group that matches, in the applied order', () => {
    assert.equal(matchedGroup(specs, event({ source: 'checkout' })), 'payments');
    assert.equal(matchedGroup(specs, event({ source: 'nobody' })), undefined);
  });

  it('keeps explicit groups, routes the others, leaves the format default when nothing matches', () => {
    const events = [
      event({ group: 'mine', source: 'checkout' }),
      event({ group: 'svc', source: 'checkout' }),
      event({ group: 'svc', resource: { cluster: 'eu-1', env: 'prod' } }),
      event({ group: 'svc', source: 'nobody' }),
    ];
    routeGroups(events, specs, (e) => e.group === 'mine');
    assert.deepEqual(
      events.map((e) => e.group),
      ['mine', 'payments', 'eu', 'svc'],
    );
  });
});
