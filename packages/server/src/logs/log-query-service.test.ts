import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import { FakeClock } from '../core/clock.js';
import type { TocsinError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import { sampleEvents } from '../test-support/sample-log-lines.js';
import { testDatabases } from '../test-support/test-databases.js';
import { createFilterEvent, compileFilterPattern } from './filter-pattern.js';
import { LogGroupService } from './log-group-service.js';
import { LogQueryService, type LogQueryResult } from './log-query-service.js';
import { LogWriter, defaultWriterOptions } from './log-writer.js';

const START = 1_764_633_600_000;
const params = (p: Record<string, unknown>) => ({
  group: 'app',
  pattern: '',
  limit: 100,
  order: 'desc' as const,
  ...p,
});

for (const variant of await testDatabases()) {
  describe(`log queries on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    let queries: LogQueryService;
    let writer: LogWriter;
    // 900 events stored in 9 blocks, 3 of them out of time order; then 150 more, their first 100 stored on their own.
    const events = sampleEvents(1050, { start: START, stepMs: 1000 });
    // A value written with a \u escape: its block must not be skipped for the value's plain text.
    events[500]!.message = '{"kind":"\\u0052areKind","level":"warn"}';
    events[700]!.message = '{"kind":"OtherKind","level":"warn"}';
    const shuffled = [...events.slice(0, 300).reverse(), ...events.slice(300)];
    const clock = new FakeClock(START + 1050 * 1000);
    before(async () => {
      ({ handle, dispose } = await variant.create());
      const groups = new LogGroupService(handle.db, clock);
      await groups.load();
      const options = { ...defaultWriterOptions, blockEvents: 100 };
      writer = new LogWriter(handle.db, clock, silentLogger, groups.writerGroups(), options);
      writer.append(shuffled.slice(0, 900), 90_000);
      await writer.flush(false);
      writer.append(shuffled.slice(900), 15_000);
      queries = new LogQueryService(handle.db, clock, writer, (n) => groups.has(n));
    });
    after(() => dispose());

    async function all(
      p: Record<string, unknown>,
    ): Promise<{ pages: LogQueryResult[]; ids: string[]; times: number[] }> {
      const pages: LogQueryResult[] = [];
      let cursor: string | undefined;
      do {
        const page = await queries.query(params({ ...p, cursor }));
        pages.push(page);
        cursor = page.next;
      } while (cursor && pages.length < 100);
      const got = pages.flatMap((pg) => pg.events);
      return { pages, ids: got.map((e) => e.id), times: got.map((e) => e.time) };
    }

    const matching = (pattern: string, from: number, to: number) => {
      const p = compileFilterPattern(pattern);
      return events.filter((e) => e.time >= from && e.time <= to && p.matches(createFilterEvent(e.message)));
    };

    it('pages newest first through stored and buffered events, without duplicates or gaps', async () => {
      const from = START + 100_000;
      const to = START + 1_000_000;
      const { ids, times, pages } = await all({ start: String(from), end: new Date(to).toISOString(), limit: 70 });
      const want = matching('', from, to);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, want.length);
      assert.deepEqual(
        times,
        want.map((e) => e.time).sort((a, b) => b - a),
      );
      assert.ok(pages.length >= 13 && pages.at(-1)!.next === undefined);
    });

    it('pages oldest first the same way', async () => {
      const { ids, times } = await all({
        start: String(START),
        end: String(START + 2_000_000),
        order: 'asc',
        limit: 333,
      });
      assert.equal(new Set(ids).size, 1050);
      assert.deepEqual(
        times,
        events.map((e) => e.time),
      );
    });

    it('gives back every field of an event, with a stable id', async () => {
      const target = events[450]!;
      const page = await queries.query(params({ start: String(target.time), end: String(target.time) }));
      assert.equal(page.events.length, 1);
      const { id, ...event } = page.events[0]!;
      assert.deepEqual(event, target satisfies LogEvent);
      assert.match(id, /^[0-9a-f-]{36}\.\d+$/);
    });

    it('filters by pattern, skipping blocks whose bloom filter rules a term out', async () => {
      const range = { start: String(START), end: String(START + 2_000_000) };
      for (const pattern of ['"Task timed out"', '{ $.level = "error" && $.latencyMs > 100 }', '?POST ?DELETE']) {
        const { times } = await all({ ...range, pattern, limit: 40 });
        const want = matching(pattern, START, START + 2_000_000).map((e) => e.time);
        assert.deepEqual(times, want.reverse(), pattern);
      }
      for (const pattern of ['{ $.kind = "RareKind" }', '{ $.kind = "OtherKind" && $.level = warn }']) {
        const found = await queries.query(params({ ...range, pattern }));
        assert.equal(found.events.length, 1, pattern);
        assert.ok(found.scanned.skipped >= 8, `${pattern}: ${found.scanned.skipped} skipped`);
      }
      const rare = await queries.query(params({ ...range, pattern: 'OutOfMemoryError' }));
      assert.deepEqual(rare.events, []);
      const pending = writer.pending('app').length;
      assert.equal(rare.scanned.skipped, 11 - pending, 'every stored block skipped unread');
      assert.equal(rare.scanned.blocks, pending, 'the buffered ones are read');
    });

    it('stops reading once the page is full and no older block can hold a newer event', async () => {
      const page = await queries.query(params({ start: String(START), end: String(START + 2_000_000), limit: 10 }));
      assert.equal(page.events[0]!.time, events.at(-1)!.time);
      assert.ok(page.scanned.blocks <= 2, `read ${page.scanned.blocks} blocks`);
      assert.ok(page.next);
    });

    it('filters by level, and defaults to the last hour', async () => {
      const page = await queries.query(params({ minLevel: 17, limit: 1000 }));
      const want = events.filter((e) => e.level >= 17 && e.time >= clock.now() - 3_600_000);
      assert.equal(page.events.length, want.length);
    });

    it('answers bad parameters with a 400 naming the field, and an unknown group with a 404', async () => {
      const rejects = (p: Record<string, unknown>, path: string, text: RegExp) =>
        assert.rejects(queries.query(params(p)), (err: TocsinError) => {
          const issues = (err.details as { issues: { path: string }[] }).issues;
          return err.code === 'validation_failed' && issues[0]!.path === path && text.test(err.message);
        });
      await rejects({ pattern: '{ $.a = }' }, 'pattern', /character 9/);
      await rejects({ start: 'yesterday' }, 'start', /ISO 8601/);
      await rejects({ start: '2000', end: '1000' }, 'start', /after end/);
      await rejects({ cursor: 'garbage' }, 'cursor', /previous page/);
      const { next } = await queries.query(params({ start: String(START), end: String(START + 2_000_000) }));
      await rejects({ cursor: next, order: 'asc' }, 'cursor', /order=desc/);
      await assert.rejects(queries.query(params({ group: 'nope' })), (err: TocsinError) => err.code === 'not_found');
    });
  });
}
