import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { LiveHub, changeJson, type LiveChange, type LiveStream } from './live-hub.js';

const decoder = new TextDecoder();

/** A stream that keeps what it is written; `buffered` is what the test says the client has not taken. */
class MemoryStream implements LiveStream {
  chunks: Uint8Array[] = [];
  buffered = 0;
  ended = false;
  dropped = false;
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }
  end(): void {
    this.ended = true;
  }
  drop(): void {
    this.dropped = true;
  }
  get text(): string {
    return this.chunks.map((c) => decoder.decode(c)).join('');
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const change = (name: string, state = 'DOWN'): LiveChange => ({ type: 'monitor', name, state, at: 1000 });

function hub(options: Partial<ConstructorParameters<typeof LiveHub>[0]> = {}) {
  const telemetry = new Telemetry({ processMetrics: false });
  return { hub: new LiveHub({ logger: silentLogger, telemetry, ...options }), telemetry };
}

describe('live hub', () => {
  it('sends hello first, then one chunk per turn, the same bytes to every stream, serialised once', async () => {
    const { hub: h } = hub();
    const streams = Array.from({ length: 50 }, () => new MemoryStream());
    for (const s of streams) assert.equal(h.open(s, 42), true);
    assert.equal(streams[0].text, 'event: hello\ndata: {"at":42}\n\n');
    h.emit(change('a'));
    h.emit(change('b', 'UP'));
    assert.equal(streams[0].chunks.length, 1, 'nothing is written before the turn ends');
    await turn();
    assert.equal(h.serialisations, 1);
    for (const s of streams) {
      assert.equal(s.chunks.length, 2);
      assert.equal(s.chunks[1], streams[0].chunks[1], 'one buffer for all');
    }
    assert.equal(
      decoder.decode(streams[0].chunks[1]),
      'event: change\ndata: {"type":"monitor","name":"a","state":"DOWN","at":1000}\n\n' +
        'event: change\ndata: {"type":"monitor","name":"b","state":"UP","at":1000}\n\n',
    );
    h.emit(change('c'));
    await turn();
    assert.equal(h.serialisations, 2);
  });

  it('closes a stream that does not keep up, and counts it', async () => {
    const { hub: h, telemetry } = hub({ maxBufferedBytes: 1000 });
    const fast = new MemoryStream();
    const slow = new MemoryStream();
    h.open(fast, 0);
    h.open(slow, 0);
    slow.buffered = 1001;
    h.emit(change('a'));
    await turn();
    assert.equal(slow.dropped, true);
    assert.equal(fast.dropped, false);
    assert.equal(h.size, 1);
    assert.match(await telemetry.render(), /tocsin_live_dropped_total 1/);
    assert.match(await telemetry.render(), /tocsin_live_streams 1/);
  });

  it('refuses a stream beyond its limit, and any after close; close ends every stream', () => {
    const { hub: h } = hub({ maxStreams: 2 });
    const [a, b, c] = [new MemoryStream(), new MemoryStream(), new MemoryStream()];
    assert.equal(h.open(a, 0), true);
    assert.equal(h.open(b, 0), true);
    assert.equal(h.open(c, 0), false);
    h.forget(a);
    assert.equal(h.open(c, 0), true);
    h.close();
    assert.equal(b.ended && c.ended, true);
    assert.equal(h.open(new MemoryStream(), 0), false);
  });

  it('pings, resyncs, and writes changes from other nodes as they came', async () => {
    const announced: string[][] = [];
    const { hub: h } = hub({ announce: async (batch) => void announced.push([...batch]) });
    const s = new MemoryStream();
    h.ping(); // no stream: nothing
    h.open(s, 0);
    h.ping();
    h.resyncHere();
    h.receive(['{"type":"alarm","name":"x","state":"ALARM","at":5}']);
    h.emit(change('mine'));
    await turn();
    assert.equal(
      s.text.split('\n\n').slice(1).join('\n\n'),
      ': ping\n\nevent: resync\ndata: {}\n\n' +
        'event: change\ndata: {"type":"monitor","name":"mine","state":"DOWN","at":1000}\n\n' +
        'event: change\ndata: {"type":"alarm","name":"x","state":"ALARM","at":5}\n\n',
    );
    assert.deepEqual(announced, [['{"type":"monitor","name":"mine","state":"DOWN","at":1000}']], 'own changes only');
  });

  it('sends one resync after a bulk change, in order, to this node and (through the bus) the others', async () => {
    const announced: string[][] = [];
    const { hub: h } = hub({ announce: async (batch) => void announced.push([...batch]) });
    const s = new MemoryStream();
    h.open(s, 0);
    h.emit(change('before'));
    h.resync();
    h.resync();
    await turn();
    assert.equal(
      s.text.split('\n\n').slice(1).join('\n\n'),
      'event: change\ndata: {"type":"monitor","name":"before","state":"DOWN","at":1000}\n\n' +
        'event: resync\ndata: {}\n\n',
    );
    assert.deepEqual(announced, [['{"type":"monitor","name":"before","state":"DOWN","at":1000}', 'resync', 'resync']]);
    const other = new MemoryStream();
    const { hub: remote } = hub();
    remote.open(other, 0);
    remote.receive(announced[0]);
    await turn();
    assert.equal(other.text.split('event: resync').length - 1, 1, 'a node that receives it resyncs once');
  });

  it('cuts long strings, so that a change fits a notice of the change bus', () => {
    const json = changeJson({ ...change('a'), reason: 'x'.repeat(10_000), extra: undefined });
    assert.ok(json.length < 700);
    assert.equal('extra' in JSON.parse(json), false);
  });
});
