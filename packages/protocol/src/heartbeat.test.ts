import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeatInputSchema } from './heartbeat.js';

const MIN = 60_000;

/** The first issue as `path: message`, or 'ok'. */
function firstIssue(input: unknown): string {
  const r = heartbeatInputSchema.safeParse(input);
  if (r.success) return 'ok';
  const [issue] = r.error.issues;
  return `${issue.path.join('.')}: ${issue.message}`;
}

describe('heartbeat input', () => {
  it('fills the defaults and parses durations to milliseconds', () => {
    const h = heartbeatInputSchema.parse({
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Asia/Tokyo',
      grace: '30m',
      maxRuntime: '1h',
      tooOften: true,
    });
    assert.deepEqual(h, {
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Asia/Tokyo',
      grace: 30 * MIN,
      maxRuntime: 60 * MIN,
      tooOften: true,
      failureTolerance: 1,
      manualResume: false,
      alertWhenLate: false,
      topics: [],
      tags: {},
      paused: false,
    });
    const p = heartbeatInputSchema.parse({
      name: 'backup',
      period: '1d',
      grace: 600,
      tooOften: '2h',
      failureTolerance: 3,
    });
    assert.equal(p.period, 86_400_000);
    assert.equal(p.grace, 10 * MIN, 'a bare number is seconds');
    assert.equal(p.tooOften, 120 * MIN);
    assert.equal(p.timezone, 'UTC');
    assert.equal(p.slug, undefined, 'the server derives the slug');
  });

  const cases: [string, unknown, RegExp | 'ok'][] = [
    [
      'grace of zero',
      { name: 'x', period: '1h', grace: 0 },
      /^grace: must be between 1m and 365d \(got 0s\); a grace of zero/,
    ],
    ['grace "0s"', { name: 'x', period: '1h', grace: '0s' }, /^grace: must be between 1m.*grace of zero/],
    ['grace missing', { name: 'x', period: '1h' }, /^grace: required: a grace such as 30s, 5m or 1h$/],
    ['grace of the wrong type', { name: 'x', period: '1h', grace: true }, /^grace: a grace such as 30s, 5m or 1h$/],
    ['grace too long', { name: 'x', period: '1h', grace: '400d' }, /^grace: must be between 1m and 365d \(got 400d\)$/],
    ['grace not a duration', { name: 'x', period: '1h', grace: 'soon' }, /^grace: a grace such as 30s/],
    [
      'both period and cron',
      { name: 'x', period: '1h', cron: '0 3 * * *', grace: '5m' },
      /^cron: give either period or cron, not both/,
    ],
    ['neither period nor cron', { name: 'x', grace: '5m' }, /^period: give either period or cron:/],
    ['period under a minute', { name: 'x', period: '30s', grace: '5m' }, /^period: must be between 1m and 365d/],
    [
      'minRuntime equal to maxRuntime',
      { name: 'x', period: '1h', grace: '5m', minRuntime: '10m', maxRuntime: '10m' },
      /^minRuntime: must be shorter than maxRuntime/,
    ],
    [
      'minRuntime above maxRuntime',
      { name: 'x', period: '1h', grace: '5m', minRuntime: '2h', maxRuntime: '1h' },
      /^minRuntime: must be shorter than maxRuntime \(2h is not less than 1h\)/,
    ],
    ['minRuntime below maxRuntime', { name: 'x', period: '1h', grace: '5m', minRuntime: '1m', maxRuntime: '1h' }, 'ok'],
    ['failureTolerance zero', { name: 'x', period: '1h', grace: '5m', failureTolerance: 0 }, /^failureTolerance: /],
    [
      'failureTolerance not an integer',
      { name: 'x', period: '1h', grace: '5m', failureTolerance: 1.5 },
      /^failureTolerance: /,
    ],
    ['upper-case slug', { name: 'x', slug: 'Nightly', period: '1h', grace: '5m' }, /^slug: lower-case letters/],
    ['good slug', { name: 'x', slug: 'db-backup_2', period: '1h', grace: '5m' }, 'ok'],
    ['tooOften false', { name: 'x', period: '1h', grace: '5m', tooOften: false }, 'ok'],
    ['tooOften bad duration', { name: 'x', period: '1h', grace: '5m', tooOften: 'often' }, /^tooOften: /],
    ['unknown field', { name: 'x', period: '1h', grace: '5m', schedule: '0 3 * * *' }, /schedule/],
    ['bad topic name', { name: 'x', period: '1h', grace: '5m', topics: ['no spaces'] }, /^topics\.0: /],
    // Syntax and time-zone names are the server's to check (it has the cron library).
    ['any cron text', { name: 'x', cron: 'not cron', timezone: 'Mars/Base', grace: '5m' }, 'ok'],
  ];
  for (const [what, input, expected] of cases) {
    it(`${what}: ${expected === 'ok' ? 'accepted' : 'refused at its field'}`, () => {
      const got = firstIssue(input);
      if (expected === 'ok') assert.equal(got, 'ok');
      else assert.match(got, expected);
    });
  }
});
