import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRealDate, recentYearToUtc, wallTimeToUtc, zoneOffsetAt } from './syslog-time.js';

describe('syslog times', () => {
  it('chooses the year of a year-less timestamp around New Year', () => {
    const newYear = Date.UTC(2027, 0, 1, 0, 0, 5);
    const t = { month: 12, day: 31, hour: 23, minute: 59, second: 59, ms: 0 };
    assert.equal(recentYearToUtc(t, newYear, 'UTC'), Date.UTC(2026, 11, 31, 23, 59, 59));
    const early = { month: 1, day: 1, hour: 0, minute: 0, second: 1, ms: 0 };
    assert.equal(recentYearToUtc(early, Date.UTC(2026, 11, 31, 23, 59, 59), 'UTC'), Date.UTC(2027, 0, 1, 0, 0, 1));
    const leap = { month: 2, day: 29, hour: 0, minute: 0, second: 0, ms: 0 };
    assert.equal(recentYearToUtc(leap, Date.UTC(2027, 5, 1), 'UTC'), undefined);
    assert.equal(recentYearToUtc(leap, Date.UTC(2028, 5, 1), 'UTC'), Date.UTC(2028, 1, 29));
  });

  it('knows real dates', () => {
    assert.equal(isRealDate(2024, 2, 29), true);
    assert.equal(isRealDate(2026, 2, 29), false);
    assert.equal(isRealDate(2026, 4, 31), false);
    assert.equal(isRealDate(2026, 13, 1), false);
    assert.equal(isRealDate(2026, 1, 0), false);
  });

  it('reads zone offsets', () => {
    assert.equal(zoneOffsetAt(Date.UTC(2026, 6, 1), 'UTC'), 0);
    assert.equal(zoneOffsetAt(Date.UTC(2026, 6, 1, 0, 0, 0, 999), 'Europe/Berlin'), 2 * 3_600_000);
    assert.equal(zoneOffsetAt(Date.UTC(2026, 0, 1), 'America/New_York'), -5 * 3_600_000);
    assert.equal(zoneOffsetAt(Date.UTC(2026, 0, 1), 'Asia/Kolkata'), 5.5 * 3_600_000);
  });

  it('converts wall times across a DST change', () => {
    const summer = { year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0, ms: 0 };
    assert.equal(wallTimeToUtc(summer, 'Europe/Berlin'), Date.UTC(2026, 6, 1, 10));
    assert.equal(wallTimeToUtc({ ...summer, month: 1 }, 'Europe/Berlin'), Date.UTC(2026, 0, 1, 11));
    assert.equal(wallTimeToUtc({ ...summer, month: 1 }, 'Asia/Tokyo'), Date.UTC(2026, 0, 1, 3));
  });
});
