import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  dateTemplateProblem,
  dayOf,
  dayRange,
  dayStart,
  daysBetween,
  fillDateTemplate,
  isDay,
} from './zoned-dates.js';

const HOUR = 3600_000;

describe('zoned dates', () => {
  it('starts a Tokyo day at 15:00 UTC the day before', () => {
    assert.equal(new Date(dayStart('2019-12-07', 'Asia/Tokyo')).toISOString(), '2019-12-06T15:00:00.000Z');
    const r = dayRange('2019-12-07', 'Asia/Tokyo');
    assert.equal(r.end - r.start, 24 * HOUR);
  });

  it('has 23- and 25-hour days across New York DST changes', () => {
    const spring = dayRange('2026-03-08', 'America/New_York');
    assert.equal(new Date(spring.start).toISOString(), '2026-03-08T05:00:00.000Z');
    assert.equal(spring.end - spring.start, 23 * HOUR);
    const fall = dayRange('2026-11-01', 'America/New_York');
    assert.equal(new Date(fall.start).toISOString(), '2026-11-01T04:00:00.000Z');
    assert.equal(fall.end - fall.start, 25 * HOUR);
  });

  it('begins a day whose midnight does not exist where the clocks land', () => {
    // Santiago moved from 00:00 to 01:00 on 2026-09-06.
    const start = dayStart('2026-09-06', 'America/Santiago');
    assert.equal(dayOf(start, 'America/Santiago'), '2026-09-06');
    assert.equal(dayOf(start - 1000, 'America/Santiago'), '2026-09-05');
  });

  it('names the day an instant falls on in the zone', () => {
    const t = Date.parse('2019-12-06T15:30:00Z');
    assert.equal(dayOf(t, 'Asia/Tokyo'), '2019-12-07');
    assert.equal(dayOf(t, 'UTC'), '2019-12-06');
  });

  it('does calendar arithmetic on days', () => {
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
    assert.deepEqual(daysBetween('2024-12-30', '2025-01-02'), ['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
    assert.equal(isDay('2024-02-30'), false);
    assert.equal(isDay('2024-02-29'), true);
    assert.equal(isDay('2024-2-9'), false);
  });

  it('fills date templates in the zone', () => {
    const t = Date.parse('2019-12-06T15:30:00Z');
    assert.equal(fillDateTemplate('{date:YYYY-MM-DD}/evidence.txt', t, 'Asia/Tokyo'), '2019-12-07/evidence.txt');
    assert.equal(fillDateTemplate('logs/{date}/{date:HH}h', t, 'UTC'), 'logs/2019-12-06/15h');
    assert.equal(
      dateTemplateProblem('{date:YYYY}/{time}'),
      'placeholders are {date} or {date:PATTERN} (YYYY, MM, DD, HH, mm, ss)',
    );
    assert.equal(dateTemplateProblem('{date:YYYY}/x'), null);
  });
});
