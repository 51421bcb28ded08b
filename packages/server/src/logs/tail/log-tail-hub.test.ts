import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Telemetry } from '../../core/telemetry.js';
import { compileFilterPattern } from '../filter-pattern.js';
import { LogTailHub, minLevelOf, type TailFilter } from './log-tail-hub.js';
import { logEvent } from '../../test-support/log-event-fixture.js';

const decoder = new TextDecoder();

function sink() {
  const chunks: string[] = [];
  let ended = false;
  return {
    chunks,
    get ended() {
      return ended;
    },
    write: (b: Uint8Array) => void chunks.push(decoder.decode(b)),
    end: () => {
      ended = true;
    },
  };
}

function logsOf(text: string): { message: string }[] {
  return text
    .split('\n\n')
    .filter((m) => m.startsWith('event: log\n'))
    .map((m) => JSON.parse(m.slice('event: log\ndata: '.length)));
}

function open(hub: LogTailHub, filter: TailFilter = {}) {
  const s = sink();
  const tail = hub.open(filter, s);
  assert.ok(tail);
  return { s, tail };
}

describe('LogTailHub', () => {
  it('writes a batch as one chunk to a tail that asked, filtered by group, source, level and pattern', () => {
    const hub = new LogTailHub({ telemetry: new Telemetry() });
    const filter = { group: 'api', source: 'pay', minLevel: 13, pattern: compileFilterPattern('?timeout ?refused') };
    const { s, tail } = open(hub, filter);
    tail.pull();
    hub.process([
      logEvent({ group: 'api', source: 'pay', level: 17, message: 'upstream timeout' }),
      logEvent({ group: 'web', source: 'pay', level: 17, message: 'upstream timeout' }),
      logEvent({ group: 'api', source: 'cart', level: 17, message: 'upstream timeout' }),
      logEvent({ group: 'api', source: 'pay', level: 9, message: 'upstream timeout' }),
      logEvent({ group: 'api', source: 'pay', level: 0, message: 'upstream timeout' }),
      logEvent({ group: 'api', source: 'pay', level: 13, message: 'connection refused' }),
      logEvent({ group: 'api', source: 'pay', level: 21, message: 'all fine' }),
    ]);
    assert.equal(s.chunks.length, 1);
    assert.deepEqual(
      logsOf(s.chunks[0]).map((e) => e.message),
      ['upstream timeout', 'connection refused'],
    );
  });

  it('holds matches until the stream asks, then writes them at once', () => {
    const hub = new LogTailHub({ telemetry: new Telemetry() });
    const { s, tail } = open(hub);
    hub.process([logEvent({ message: 'one' }), logEvent({ message: 'two' })]);
    hub.process([logEvent({ message: 'three' })]);
    assert.equal(s.chunks.length, 0);
    tail.pull();
    assert.deepEqual(
      logsOf(s.chunks.join('')).map((e) => e.message),
      ['one', 'two', 'three'],
    );
    tail.pull();
    assert.equal(s.chunks.length, 1, 'nothing more to write: it waits');
    hub.process([logEvent({ message: 'four' })]);
    assert.equal(s.chunks.length, 2);
  });

  it('keeps at most its bound while behind, and tells the count of what it left out after the kept ones', async () => {
    const telemetry = new Telemetry();
    const hub = new LogTailHub({ telemetry, maxQueuedEvents: 10 });
    const { s, tail } = open(hub);
    for (let i = 0; i < 100; i++) hub.process([logEvent({ message: `line ${i}` })]);
    tail.pull();
    const text = s.chunks.join('');
    assert.equal(logsOf(text).length, 10);
    assert.match(text, /line 9"[^\n]*\n\nevent: dropped\ndata: \{"count":90\}\n\n$/);
    assert.match(await telemetry.render(), /tocsin_logs_tail_dropped_total 90/);
    tail.pull();
    hub.process([logEvent({ message: 'after' })]);
    assert.equal(logsOf(s.chunks.at(-1)!)[0].message, 'after', 'it follows again once it catches up');
  });

  it('bounds the queue in bytes too, yet takes one event larger than the bound', () => {
    const hub = new LogTailHub({ telemetry: new Telemetry(), maxQueuedBytes: 1000 });
    const { s, tail } = open(hub);
    hub.process([logEvent({ message: 'x'.repeat(5000) }), logEvent({ message: 'y' })]);
    tail.pull();
    assert.equal(logsOf(s.chunks[0]).length, 1);
    assert.match(s.chunks[0], /event: dropped\ndata: \{"count":1\}/);
  });

  it('refuses a tail past the cap, pings the ones that wait, and ends them all on close', () => {
    const hub = new LogTailHub({ telemetry: new Telemetry(), maxTails: 2 });
    const a = open(hub);
    const b = open(hub);
    assert.equal(hub.open({}, sink()), undefined);
    a.tail.pull();
    hub.ping();
    assert.deepEqual(a.s.chunks, [': ping\n\n']);
    assert.deepEqual(b.s.chunks, [], 'a tail that has not asked gets its ping when it does');
    b.tail.pull();
    assert.deepEqual(b.s.chunks, [': ping\n\n']);
    hub.forget(a.tail);
    assert.equal(hub.size, 1);
    assert.ok(hub.open({}, sink()));
    hub.close();
    assert.equal(hub.size, 0);
    assert.ok(b.s.ended);
    assert.equal(hub.open({}, sink()), undefined);
  });

  it('costs nothing with no tail open: events are not even looked at', () => {
    const hub = new LogTailHub({ telemetry: new Telemetry() });
    const events = new Proxy([], {
      get() {
        throw new Error('looked at');
      },
    });
    assert.doesNotThrow(() => hub.process(events));
  });

  it('reads the minimum level as a word or a number', () => {
    assert.equal(minLevelOf('warn'), 13);
    assert.equal(minLevelOf('ERROR'), 17);
    assert.equal(minLevelOf('9'), 9);
    assert.equal(minLevelOf('loud'), undefined);
  });
});
