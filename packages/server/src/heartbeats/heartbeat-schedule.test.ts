import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileCron } from '../core/cron-expression.js';
import {
  compileSchedule,
  cronProblem,
  isValidTimeZone,
  missedDeadline,
  NEVER,
  nextExpected,
  typicalGap,
  upcoming,
  validateCron,
} from './heartbeat-schedule.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (t: number) => new Date(t).toISOString();
const cron = (expr: string, timezone = 'UTC') => compileSchedule({ cron: expr, timezone });

describe('heartbeat schedule', () => {
  // [what, schedule, after, expected next run (UTC)]
  const next: [string, ReturnType<typeof cron>, string, string][] = [
    [
      'period: after + period',
      compileSchedule({ period: HOUR, timezone: 'UTC' }),
      '2026-06-01T10:15:00Z',
      '2026-06-01T11:15:00.000Z',
    ],
    [
      'Tokyo 03:00 from noon the day before',
      cron('0 3 * * *', 'Asia/Tokyo'),
      '2026-06-01T03:00:00Z',
      '2026-06-01T18:00:00.000Z',
    ],
    [
      'strictly after: at the occurrence itself',
      cron('0 3 * * *', 'Asia/Tokyo'),
      '2026-06-01T18:00:00Z',
      '2026-06-02T18:00:00.000Z',
    ],
    [
      'strictly after: a millisecond past it',
      cron('0 3 * * *', 'Asia/Tokyo'),
      '2026-06-01T18:00:00.001Z',
      '2026-06-02T18:00:00.000Z',
    ],
    [
      'half a second before it',
      cron('0 3 * * *', 'Asia/Tokyo'),
      '2026-06-01T17:59:59.500Z',
      '2026-06-01T18:00:00.000Z',
    ],
    ['day-of-month or day-of-week, as cron', cron('0 3 1 * 1'), '2026-06-01T04:00:00Z', '2026-06-08T03:00:00.000Z'],
    // Spring forward, America/New_York 2026-03-08: 02:00 EST → 03:00 EDT.
    [
      'spring forward: 02:30 does not exist, expected at the jump (03:00 EDT) as cron runs it',
      cron('30 2 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      '2026-03-08T07:00:00.000Z',
    ],
    [
      'spring forward: and the next day at 02:30 EDT',
      cron('30 2 * * *', 'America/New_York'),
      '2026-03-08T07:00:00Z',
      '2026-03-09T06:30:00.000Z',
    ],
    [
      'spring forward: 01:30 EST is unaffected',
      cron('30 1 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      '2026-03-08T06:30:00.000Z',
    ],
    [
      'spring forward: 01:30 the next day is EDT',
      cron('30 1 * * *', 'America/New_York'),
      '2026-03-08T06:30:00Z',
      '2026-03-09T05:30:00.000Z',
    ],
    [
      'spring forward: 03:00 EDT exists and is itself',
      cron('0 3 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      '2026-03-08T07:00:00.000Z',
    ],
    [
      'spring forward: a wildcard minute skips the missing hour, as cron does',
      cron('*/15 2 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      '2026-03-09T06:00:00.000Z',
    ],
    // Fall back, America/New_York 2026-11-01: 02:00 EDT → 01:00 EST.
    [
      'fall back: 01:30 happens twice, expected at the first (EDT)',
      cron('30 1 * * *', 'America/New_York'),
      '2026-10-31T12:00:00Z',
      '2026-11-01T05:30:00.000Z',
    ],
    [
      'fall back: not again at 01:30 EST',
      cron('30 1 * * *', 'America/New_York'),
      '2026-11-01T05:30:00Z',
      '2026-11-02T06:30:00.000Z',
    ],
    [
      'fall back: 02:30 happens once, EST',
      cron('30 2 * * *', 'America/New_York'),
      '2026-10-31T12:00:00Z',
      '2026-11-01T07:30:00.000Z',
    ],
    [
      'fall back: then 02:30 EST the next day',
      cron('30 2 * * *', 'America/New_York'),
      '2026-11-01T07:30:00Z',
      '2026-11-02T07:30:00.000Z',
    ],
    [
      'fall back: a list is a fixed time, 01:30 once',
      cron('30 1,13 * * *', 'America/New_York'),
      '2026-11-01T05:30:00Z',
      '2026-11-01T18:30:00.000Z',
    ],
    [
      'fall back: every 30 minutes of hour 1 runs in the EST hour too, as cron does',
      cron('*/30 1 * * *', 'America/New_York'),
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:00:00.000Z',
    ],
    [
      'spring forward: a list is a fixed time, expected at the jump',
      cron('30 2,14 * * *', 'America/New_York'),
      '2026-03-07T20:00:00Z',
      '2026-03-08T07:00:00.000Z',
    ],
    [
      'spring forward: a step without * skips the gap (an interval job)',
      cron('0-30/15 2 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      '2026-03-09T06:00:00.000Z',
    ],
  ];
  for (const [what, schedule, after, expected] of next) {
    it(`next expected run — ${what}`, () => assert.equal(iso(nextExpected(schedule, Date.parse(after))), expected));
  }

  it(
    'croner itself moves a 02:30 that does not exist to the ' +
      'jump (03:00 EDT), and runs 01:30 once on the fall-back day',
    () => {
      // The policy above is croner's own (11, fixedTimeRule no-wildcard); if croner changes, this says so.
      const ny = (expr: string) => compileCron(expr, 'America/New_York');
      assert.deepEqual(
        ny('30 2 * * *')
          .nextRuns(2, new Date('2026-03-07T12:00:00Z'))
          .map((d) => d.toISOString()),
        ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
      );
      assert.deepEqual(
        ny('30 1 * * *')
          .nextRuns(2, new Date('2026-10-31T12:00:00Z'))
          .map((d) => d.toISOString()),
        ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
      );
    },
  );

  it(
    'the missed deadline of cron 0 3 * * * in Asia/Tokyo with ' + '30 min grace is 03:30 JST, 18:30 UTC the day before',
    () => {
      const s = cron('0 3 * * *', 'Asia/Tokyo');
      const created = Date.parse('2026-06-01T12:00:00+09:00');
      assert.equal(
        iso(missedDeadline(s, 30 * MIN, null, created)),
        '2026-06-01T18:30:00.000Z',
        'before any run: counted from creation',
      );
      assert.equal(
        iso(missedDeadline(s, 30 * MIN, Date.parse('2026-06-02T03:00:07+09:00'), created)),
        '2026-06-02T18:30:00.000Z',
      );
      assert.equal(
        missedDeadline(compileSchedule({ period: HOUR, timezone: 'UTC' }), 5 * MIN, 1000, 0),
        1000 + HOUR + 5 * MIN,
      );
    },
  );

  it('knows the usual gap between runs', () => {
    assert.equal(typicalGap(compileSchedule({ period: 2 * HOUR, timezone: 'UTC' }), 0), 2 * HOUR);
    assert.equal(typicalGap(cron('0 3 * * *', 'Asia/Tokyo'), Date.parse('2026-06-01T00:00:00Z')), 24 * HOUR);
    assert.equal(typicalGap(cron('*/10 * * * *'), Date.parse('2026-06-01T00:00:00Z')), 10 * MIN);
  });

  const problems: [string, string, string, RegExp | null][] = [
    ['good', '0 3 * * *', 'Asia/Tokyo', null],
    ['names of days', '30 2 * * MON-FRI', 'America/New_York', null],
    ['minute out of range', '61 * * * *', 'UTC', /^cron: the minute field '61': 61 is out of range 0-59$/],
    ['hour out of range in a list', '0 1,24 * * *', 'UTC', /^cron: the hour field '1,24': 24 is out of range 0-23$/],
    [
      'a step of zero',
      '*/0 * * * *',
      'UTC',
      /^cron: the minute field '\*\/0': the step '0' must be a whole number of at least 1$/,
    ],
    [
      'a step longer than the field',
      '0 */25 * * *',
      'UTC',
      /^cron: the hour field '\*\/25': the step 25 is longer than the field \(24\)$/,
    ],
    ['a range going down', '0 0 * * 5-1', 'UTC', /^cron: the day-of-week field '5-1': the range '5-1' goes downwards$/],
    [
      'not a month name',
      '0 0 1 foo *',
      'UTC',
      /^cron: the month field 'foo': 'foo' is not a number or a name \(jan-dec\)$/,
    ],
    ['an empty item', '0 0 1, * *', 'UTC', /^cron: the day-of-month field '1,': an empty item$/],
    ['a question mark', '0 0 ? * *', 'UTC', /^cron: the day-of-month field '\?'/],
    ['nth weekday out of range', '0 0 * * 1#6', 'UTC', /^cron: the day-of-week field '1#6': '#6' must be #1 to #5/],
    ['four fields', '* * * *', 'UTC', /^cron: a cron expression of 5 fields/],
    ['six fields (seconds are not cron)', '0 0 3 * * *', 'UTC', /^cron: a cron expression of 5 fields/],
    [
      '@reboot',
      '@reboot',
      'UTC',
      /^cron: '@reboot' is not a schedule Tocsin can expect; give a cron expression of 5 fields .* or @hourly, @daily/,
    ],
    [
      'an OnCalendar word',
      'weekly',
      'UTC',
      /^cron: 'weekly' is a systemd OnCalendar word \(Healthchecks takes those\); as cron write '0 0 \* \* 1'/,
    ],
    ['@hourly', '@hourly', 'UTC', null],
    ['@daily', '@daily', 'Asia/Tokyo', null],
    ['@midnight', '@midnight', 'UTC', null],
    ['@weekly', '@weekly', 'UTC', null],
    ['@monthly', '@monthly', 'UTC', null],
    ['@yearly', '@yearly', 'UTC', null],
    ['@annually (upper case)', '@ANNUALLY', 'UTC', null],
    ['steps, ranges, lists and names', '5/15 8-18/2 1,15 jan-jun,DEC 1-5', 'UTC', null],
    ['last day of the month', '0 0 L * *', 'UTC', null],
    ['the second Monday', '0 0 * * MON#2', 'UTC', null],
    ['the last Friday', '0 0 * * 5L', 'UTC', null],
    ['Sunday as 7', '0 0 * * 7', 'UTC', null],
    ['never runs', '0 0 30 2 *', 'UTC', /^cron: this expression never runs/],
    ['not a time zone', '0 3 * * *', 'Asia/Nowhere', /^timezone: 'Asia\/Nowhere' is not an IANA time zone/],
    ['garbage', 'every morning', 'UTC', /^cron: /],
  ];
  for (const [what, expr, tz, expected] of problems) {
    it(`validateCron — ${what}`, () => {
      const message = validateCron(expr, tz);
      if (expected === null) assert.equal(message, null);
      else assert.match(message ?? '', expected);
      assert.equal(cronProblem(expr, tz) === null, expected === null);
    });
  }

  it('never names the cron library in a message', () => {
    for (const [, expr, tz] of problems)
      assert.doesNotMatch(validateCron(expr, tz) ?? '', /croner|CronPattern|CronDate|CronOptions/i, expr);
  });

  it('expects the nicknames when cron runs them', () => {
    const from = Date.parse('2026-06-03T10:15:00Z'); // a Wednesday
    for (const [expr, expected] of [
      ['@hourly', '2026-06-03T11:00:00.000Z'],
      ['@daily', '2026-06-04T00:00:00.000Z'],
      ['@midnight', '2026-06-04T00:00:00.000Z'],
      ['@weekly', '2026-06-07T00:00:00.000Z'],
      ['@monthly', '2026-07-01T00:00:00.000Z'],
      ['@yearly', '2027-01-01T00:00:00.000Z'],
      ['@annually', '2027-01-01T00:00:00.000Z'],
      ['0 0 * * 5L', '2026-06-26T00:00:00.000Z'],
      ['0 0 * * MON#2', '2026-06-08T00:00:00.000Z'],
    ]) {
      assert.equal(new Date(nextExpected(cron(expr), from)).toISOString(), expected, expr);
    }
    assert.equal(
      new Date(nextExpected(cron('@daily', 'Asia/Tokyo'), from)).toISOString(),
      '2026-06-03T15:00:00.000Z',
      'midnight in Tokyo',
    );
  });

  it('knows IANA time zones', () => {
    for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) assert.equal(isValidTimeZone(tz), true, tz);
    for (const tz of ['Asia/Nowhere', 'JST+9', '']) assert.equal(isValidTimeZone(tz), false, tz);
  });

  it('lists the upcoming runs from the awaited one, in the time zone, across a DST jump', () => {
    const first = Date.parse('2026-03-07T07:30:00Z'); // 02:30 EST, the day before spring forward
    assert.deepEqual(upcoming(cron('30 2 * * *', 'America/New_York'), first, 3).map(iso), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: at the jump, 03:00 EDT
      '2026-03-09T06:30:00.000Z',
    ]);
    assert.deepEqual(upcoming(compileSchedule({ period: HOUR, timezone: 'UTC' }), first, 2).map(iso), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-07T08:30:00.000Z',
    ]);
    assert.deepEqual(upcoming(cron('0 3 * * *'), NEVER, 5), [], 'a schedule that never runs again');
  });
});
