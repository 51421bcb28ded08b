import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import { digestEvent, digestLine, digestTitle } from './digest.js';

const t0 = Date.UTC(2026, 5, 1, 12, 0, 0);

function event(name: string, kind: string, extra: Partial<TocsinEvent> = {}): TocsinEvent {
  const down = kind.endsWith('.down');
  return {
    id: `e-${name}-${kind}`,
    topic: 'ops',
    time: t0,
    kind,
    severity: down ? 'critical' : 'ok',
    source: { type: 'monitor', name, tags: {} },
    title: `${name} is ${down ? 'down' : 'up again'}`,
    text: '',
    attributes: {},
    dedupKey: `monitor/${name}`,
    ...extra,
  };
}

describe('digest', () => {
  it('counts downs and recoveries and names the sources in the title', () => {
    const events = [
      event('api', 'monitor.down'),
      event('web', 'monitor.down'),
      event('db', 'monitor.up'),
      event('cache', 'monitor.down'),
    ];
    assert.equal(digestTitle(events), '3 down, 1 recovered: api, web, db, cache');
  });

  it('shows five names and counts the rest', () => {
    const events = Array.from({ length: 8 }, (_, i) => event(`site-${i}`, 'monitor.down'));
    assert.equal(digestTitle(events), '8 down: site-0, site-1, site-2, site-3, site-4 (+3)');
  });

  it('names a source once when it went down and came back in one window', () => {
    assert.equal(digestTitle([event('api', 'monitor.down'), event('api', 'monitor.up')]), '1 down, 1 recovered: api');
  });

  it('counts other kinds by their name', () => {
    assert.equal(
      digestTitle([event('nightly', 'heartbeat.down'), event('x', 'log.match'), event('y', 'log.match')]),
      '1 missed or failed, 2 log.match: nightly, x, y',
    );
  });

  it('makes one summary event: most severe severity, a line per event, the first dedup key, the count', () => {
    const events = [
      event('api', 'monitor.up', {
        time: t0 + 1000,
        severity: 'ok',
        text: 'https://api.example.com recovered after 2m',
      }),
      event('web', 'monitor.down', {
        time: t0 + 2000,
        severity: 'warning',
        text: 'https://web.example.com: answered 503\nsecond line',
      }),
      event('db', 'monitor.down', { time: t0 + 3000, severity: 'error' }),
    ];
    const d = digestEvent(events);
    assert.equal(d.kind, 'digest');
    assert.equal(d.severity, 'error');
    assert.equal(d.title, '2 down, 1 recovered: api, web, db');
    assert.equal(d.dedupKey, 'monitor/api');
    assert.equal(d.topic, 'ops');
    assert.equal(d.time, t0 + 3000, 'the time of the last event');
    assert.deepEqual(d.attributes, { count: 3 });
    assert.deepEqual(d.text.split('\n'), [
      '12:00:01 api is up again — https://api.example.com recovered after 2m',
      '12:00:02 web is down — https://web.example.com: answered 503',
      '12:00:03 db is down',
    ]);
  });

  it('keeps a line to one line, however long the text', () => {
    const line = digestLine(event('api', 'monitor.down', { title: 'api\nis down', text: `${'x'.repeat(500)}\nmore` }));
    assert.ok(!line.includes('\n'));
    assert.ok(line.length < 240, `${line.length} characters`);
    assert.ok(line.endsWith('…'));
  });

  it('reads as ok only when every event is', () => {
    assert.equal(digestEvent([event('a', 'monitor.up'), event('b', 'monitor.up')]).severity, 'ok');
    assert.throws(() => digestEvent([]));
  });
});
