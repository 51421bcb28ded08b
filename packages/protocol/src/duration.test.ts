import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, printDuration } from './duration.js';

describe('duration printer', () => {
  it('prints the largest unit that divides exactly, down to seconds', () => {
    const printed = [172_800_000, 7_200_000, 5_400_000, 90_000, 1500, 0].map((ms) => printDuration(ms));
    assert.deepEqual(printed, ['2d', '2h', '90m', '90s', '1.5s', '0d']);
  });

  it('stops at the largest unit a section writes', () => {
    assert.deepEqual(
      [86_400_000, 3_600_000, 30_000].map((ms) => printDuration(ms, 'm')),
      ['1440m', '60m', '30s'],
    );
  });

  it('prints a decimal of the smallest unit a section writes', () => {
    assert.deepEqual(
      [7_200_000, 1_800_000, 90_000].map((ms) => printDuration(ms, 'h', 'm')),
      ['2h', '30m', '1.5m'],
    );
  });

  it('prints what parseDuration reads back', () => {
    for (const ms of [500, 1000, 61_000, 3_600_000, 93_600_000]) assert.equal(parseDuration(printDuration(ms)), ms);
  });
});
