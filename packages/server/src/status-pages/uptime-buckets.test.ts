import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBadge, textWidth, uptimeBadgeValue } from './status-badge-svg.js';
import { DAY_MS, firstDayOf, heartbeatUptime, monitorUptime } from './uptime-buckets.js';

const now = Date.UTC(2026, 2, 10, 12);
const first = firstDayOf(now, 3);

describe('uptime buckets', () => {
  it('monitors: checks without failure per day, null for days without checks', () => {
    const u = monitorUptime(new Map([[first + 2 * DAY_MS, { checks: 200, failures: 1 }]]), first, 3);
    assert.deepEqual(u.days, [
      { date: '2026-03-08', uptime: null },
      { date: '2026-03-09', uptime: null },
      { date: '2026-03-10', uptime: 99.5 },
    ]);
    assert.equal(u.windows['1d'], 99.5);
    assert.equal(u.windows['90d'], 99.5);
  });

  it('heartbeats: time good against time DOWN, from state changes; NEW and before creation count for neither', () => {
    const u = heartbeatUptime(
      {
        state: 'UP',
        createdAt: first + 6 * 3600_000,
        changes: [
          { at: first + 12 * 3600_000, from: 'NEW', to: 'UP' },
          { at: first + DAY_MS + 6 * 3600_000, from: 'UP', to: 'DOWN' },
          { at: first + DAY_MS + 12 * 3600_000, from: 'DOWN', to: 'UP' },
        ],
      },
      first,
      3,
      now,
    );
    assert.deepEqual(
      u.days.map((d) => d.uptime),
      [100, 75, 100],
    );
    assert.equal(u.windows['1d'], 100);
    assert.equal(u.windows['7d'], Math.round((42 / 48) * 100_000) / 1000);
  });
});

describe('badges', () => {
  it('measures text with the width table, so longer text makes a wider badge', () => {
    assert.ok(textWidth('WWW') > textWidth('iii') * 2);
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
    assert.ok(width(renderBadge('uptime 30d', '100%', '#4c1')) < width(renderBadge('uptime 30d', 'no data', '#4c1')));
    assert.equal(
      width(renderBadge('ab', 'cd', '#4c1')),
      Math.round(textWidth('ab') + 10) + Math.round(textWidth('cd') + 10),
    );
  });

  it('colours uptime by level and escapes text', () => {
    assert.equal(uptimeBadgeValue(99.95).colour, '#4c1');
    assert.equal(uptimeBadgeValue(80).colour, '#e05d44');
    assert.equal(uptimeBadgeValue(99.95).value, '99.95%');
    assert.match(renderBadge('<x>', '&', '#fff'), /&#60;x&#62;: &#38;/);
  });
});
