import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { ChunkBuilder, decodeChunk, encodeReasons } from './result-codec.js';
import { CHUNK_MS, ResultRecorder } from './result-recorder.js';
import { insertChunks } from './result-store.js';

const T0 = Date.UTC(2026, 0, 1, 10);
const REFUSED = 'connect ECONNREFUSED 127.0.0.1:9';
const databases = await testDatabases();

describe('result codec', () => {
  it('keeps the reason of each failed check, each distinct reason once per chunk, at about one byte a failure', () => {
    const plain = new ChunkBuilder(T0);
    const withReasons = new ChunkBuilder(T0);
    for (let i = 0; i < 15; i++) {
      const r = { at: T0 + i * 20_000 + 37, up: i % 3 !== 0, latencyMs: 12 + i, statusCode: i % 3 ? 200 : null };
      plain.append({ ...r, up: true, reason: 'up' });
      withReasons.append({ ...r, reason: i === 9 ? 'status 503, expected 200' : REFUSED });
    }
    assert.deepEqual(withReasons.reasons, [REFUSED, 'status 503, expected 200']);
    // 5 failed checks: 5 reason bytes (the status is smaller: no status code), not 5 copies of a reason.
    assert.ok(
      withReasons.bytes.length <= plain.bytes.length + 5,
      `${withReasons.bytes.length} vs ${plain.bytes.length}`,
    );
    const decoded = decodeChunk(Uint8Array.from(withReasons.bytes), T0, encodeReasons(withReasons.reasons));
    assert.equal(decoded.length, 15);
    assert.deepEqual(
      decoded.filter((r) => !r.up).map((r) => r.reason),
      [REFUSED, REFUSED, REFUSED, 'status 503, expected 200', REFUSED],
    );
    assert.equal(decoded[1].reason, undefined, 'an up result has no reason');
  });

  it('cuts a very long reason', () => {
    const c = new ChunkBuilder(T0);
    c.append({ at: T0, up: false, latencyMs: 1, statusCode: null, reason: 'x'.repeat(5000) });
    assert.ok(c.reasons[0].length <= 300);
  });
});

for (const variant of databases) {
  describe(`result history on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ handle, dispose } = await variant.create());
    });
    after(() => dispose());

    it('keeps the failure reasons of stored results: what lastResult says, the history says', async () => {
      const writer = new ResultRecorder(handle.db);
      // Times off the chunk's 0.1 s grid, as real check times are.
      for (let i = 0; i < 40; i++) {
        const at = T0 + i * 20_000 + 1234;
        writer.record(1, {
          at,
          up: i < 20,
          latencyMs: 5,
          statusCode: null,
          reason: i < 20 ? 'status 200' : i < 30 ? REFUSED : 'timed out after 2000 ms',
        });
      }
      // Closed chunks by time, then the open one at shutdown.
      await writer.flush(T0 + CHUNK_MS + 1);
      await writer.flush(T0 + 40 * 20_000, true);

      const reader = new ResultRecorder(handle.db);
      const results = await reader.results(1, T0, T0 + 3600_000, 1000);
      assert.equal(results.length, 40);
      const down = results.filter((r) => !r.up);
      assert.equal(down.length, 20);
      assert.deepEqual(new Set(down.map((r) => r.reason)), new Set([REFUSED, 'timed out after 2000 ms']));
      assert.equal(results[0].reason, 'timed out after 2000 ms', 'newest first');
      assert.ok(results.filter((r) => r.up).every((r) => r.reason === 'up'));
    });

    it('finds the reasons of chunks written before chunks held them', async () => {
      // The old format, by hand: (offset 0, 7 ms, status 200 up) then (offset 20 s, 7 ms, down) with no reason index.
      const bytes = [0, 7, 0x91, 0x03, 0xc8, 0x01, 7, 0];
      await insertChunks(handle.db, [
        { monitorNum: 2, startAt: T0 + 1234, count: 2, data: Buffer.from(bytes), reasons: null },
      ]);
      await handle.db
        .insertInto('check_failures')
        .values({ monitor_num: 2, at: T0 + 21_260, reason: REFUSED, status_code: null })
        .execute();
      const results = await new ResultRecorder(handle.db).results(2, T0, T0 + 3600_000, 10);
      assert.deepEqual(
        results.map((r) => [r.up, r.reason]),
        [
          [false, REFUSED],
          [true, 'up'],
        ],
      );
    });
  });
}
