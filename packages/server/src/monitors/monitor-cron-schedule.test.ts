import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronScheduleOf } from './monitor-cron-schedule.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

describe('cron schedule of a monitor', () => {
  it('has none without a cron', () => {
    assert.equal(cronScheduleOf({ type: 'object', path: '/x' }), undefined);
  });

  it('checks each cron time at its deadline, for the latest slot whose deadline has passed', () => {
    const s = cronScheduleOf({ type: 'object', cron: '0 9 * * *', timezone: 'Asia/Tokyo', deadline: '30m' })!;
    // 09:29:59.999 in Tokyo on the 7th: the 7th is not due yet, so the slot is still the 6th's.
    const before = Date.UTC(2019, 11, 7, 0, 30) - 1;
    assert.equal(iso(s.slotAt(before)), '2019-12-06T00:00:00.000Z');
    assert.equal(iso(s.nextDueAfter(before)), '2019-12-07T00:30:00.000Z');
    const due = Date.UTC(2019, 11, 7, 0, 30);
    assert.equal(iso(s.slotAt(due)), '2019-12-07T00:00:00.000Z', 'at the deadline, the 7th');
    assert.equal(iso(s.nextDueAfter(due)), '2019-12-08T00:30:00.000Z', 'strictly after: the 8th');
  });

  it('reads a deadline written as a number of seconds, and none as 0', () => {
    const s = cronScheduleOf({ type: 'object', cron: '@hourly', deadline: 90 })!;
    assert.equal(iso(s.nextDueAfter(Date.UTC(2026, 0, 1, 0, 0))), '2026-01-01T00:01:30.000Z');
    const none = cronScheduleOf({ type: 'object', cron: '@hourly' })!;
    assert.equal(iso(none.nextDueAfter(Date.UTC(2026, 0, 1, 0, 0))), '2026-01-01T01:00:00.000Z');
  });

  it('follows the time zone across a DST change (America/New_York, 2026-03-08)', () => {
    const s = cronScheduleOf({ type: 'object', cron: '0 9 * * *', timezone: 'America/New_York' })!;
    assert.equal(iso(s.nextDueAfter(Date.UTC(2026, 2, 7, 15))), '2026-03-08T13:00:00.000Z', '09:00 EDT');
    assert.equal(iso(s.slotAt(Date.UTC(2026, 2, 8, 12, 59))), '2026-03-07T14:00:00.000Z', '09:00 EST the day before');
  });
});
