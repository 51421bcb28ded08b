import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';

describe('heartbeat routes: the next expected times', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => {
    const clock = new FakeClock(Date.parse('2026-03-06T12:00:00Z'));
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock }));
  });
  after(() => dispose());

  it('lists the next five from the schedule in the heartbeat time zone, the awaited one first', async () => {
    const body = { name: 'nightly', cron: '30 2 * * *', timezone: 'America/New_York', grace: '10m' };
    assert.equal((await call(tocsin, 'POST', '/api/heartbeats', body)).status, 201);
    const { json } = await call(tocsin, 'GET', '/api/heartbeats/nightly');
    assert.deepEqual(json.nextExpected, [
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist that night: at the jump (03:00 EDT)
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
      '2026-03-11T06:30:00.000Z',
    ]);
    assert.equal(json.nextExpected[0], json.expectedAt);
    const list = (await call(tocsin, 'GET', '/api/heartbeats')).json.heartbeats;
    assert.deepEqual(list.find((h: { name: string }) => h.name === 'nightly').nextExpected, json.nextExpected);
  });

  it('counts a period from the awaited time, and lists nothing while paused', async () => {
    await call(tocsin, 'POST', '/api/heartbeats', { name: 'hourly', period: '1h', grace: '5m' });
    const { json } = await call(tocsin, 'GET', '/api/heartbeats/hourly');
    assert.deepEqual(json.nextExpected.slice(0, 2), ['2026-03-06T13:00:00.000Z', '2026-03-06T14:00:00.000Z']);
    assert.equal(json.nextExpected.length, 5);
    assert.deepEqual((await call(tocsin, 'POST', '/api/heartbeats/hourly/pause')).json.nextExpected, []);
  });
});
