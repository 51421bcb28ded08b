import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import { ndjsonBytes, sampleEvents } from '../test-support/sample-log-lines.js';
import { bloomMayHold } from './log-block-bytes.js';
import { CODECS, decodeBlock, encodeBlock, encodeBlockSync, type CodecName } from './log-block-codec.js';

const full: LogEvent = {
  time: 1_764_633_600_123,
  observedTime: 1_764_633_600_100,
  group: 'app',
  stream: 'i-0abc/stdout',
  source: 'checkout',
  stage: 'prod',
  level: 17,
  levelText: 'ERROR',
  message: 'naïve café — 日本語 🚨 "quoted" \\ back\nslash',
  attributes: { 'http.status': 500, nested: { list: [1, 'two', null, true] }, emoji: '🔥' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  resource: { 'service.name': 'checkout', 'host.name': 'ip-10-0-1-2' },
};
const bare: LogEvent = {
  time: 1_764_633_590_000,
  observedTime: 1_764_633_600_000,
  group: 'app',
  level: 0,
  levelText: '',
  message: '',
  attributes: {},
  resource: {},
};

async function roundTrip(events: LogEvent[], codec: CodecName) {
  const block = await encodeBlock(events, codec);
  const decoded = await decodeBlock(block.codec, block.body, 'app');
  return { block, events: Array.from({ length: decoded.count }, (_, i) => decoded.event(i)) };
}

describe('log block codec', () => {
  for (const codec of Object.keys(CODECS) as CodecName[])
    it(`gives back every field, unicode and absent optional fields (${codec})`, async () => {
      const events = [
        full,
        bare,
        { ...full, traceId: undefined, time: full.time - 5 },
        { ...bare, spanId: 'ab'.repeat(8) },
      ];
      for (const e of events) for (const k of Object.keys(e) as (keyof LogEvent)[]) if (e[k] === undefined) delete e[k];
      const { block, events: back } = await roundTrip(events, codec);
      assert.deepEqual(back, events);
      assert.equal(block.count, 4);
      assert.equal(block.startTime, bare.time);
      assert.equal(block.endTime, full.time);
      assert.equal(block.levelMax, 17);
    });

  it('keeps the arrival order (ids are positions), times going back and forth included', async () => {
    const events = [5, 1, 9, 3].map((t) => ({ ...bare, time: 1000 + t, message: `m${t}` }));
    const { events: back } = await roundTrip(events, 'cols1+gzip');
    assert.deepEqual(
      back.map((e) => e.time),
      [1005, 1001, 1009, 1003],
    );
  });

  it('stores realistic lines in at most 15 % of their NDJSON bytes', () => {
    for (const kind of ['apache', 'json'] as const) {
      const events = sampleEvents(8192, { kind });
      const block = encodeBlockSync(events);
      const ratio = (block.body.length + block.bloom.length) / ndjsonBytes(events);
      assert.ok(ratio < 0.15, `${kind}: ${ratio}`);
    }
  });

  it('indexes the trigrams of every message: present terms may match, absent ones do not', () => {
    const events = sampleEvents(2000, { kind: 'mixed' });
    const block = encodeBlockSync(events);
    const may = (t: string) => bloomMayHold(block.bloom, Buffer.from(t));
    for (const e of events.slice(0, 200)) assert.ok(may(e.message.slice(10, 30)));
    assert.ok(may('Task timed out'));
    assert.ok(may('qz'), 'a term under 3 bytes has no trigram: it may always match');
    assert.equal(may('OutOfMemoryError'), false);
    assert.equal(may('zqxjkvw'), false);
  });
});
