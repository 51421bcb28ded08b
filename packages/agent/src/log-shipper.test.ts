import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { LogBatch } from '@tocsin/protocol';
import { memoryLog } from './agent-log.js';
import { MAX_LINE_BYTES } from './file-tailer.js';
import { LogShipper } from './log-shipper.js';

/** Plays the server: keeps per source the last `to` of a file and drops a batch at or below it. */
class FakeServer {
  readonly lines: string[] = [];
  readonly positions: Record<string, { file: string; to: number }> = {};
  acking = true;
  readonly unacked: LogBatch[] = [];
  constructor(private readonly shipper: () => LogShipper) {}
  send = (b: LogBatch): boolean => {
    const p = this.positions[b.source];
    if (!(p && p.file === b.file && b.to <= p.to)) {
      this.lines.push(...b.lines.map((l) => l.message));
      this.positions[b.source] = { file: b.file, to: b.to };
    }
    if (this.acking) this.shipper().ack(b.seq);
    else this.unacked.push(b);
    return true;
  };
}

let dir: string;
let logFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-agent-logs-'));
  logFile = path.join(dir, 'app.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const numbered = (from: number, to: number) =>
  `${Array.from({ length: to - from }, (_, i) => `line ${from + i}`).join('\n')}\n`;
const expected = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`);

function shipperWith(server: { current?: LogShipper }, capBytes?: number): LogShipper {
  const s = new LogShipper({
    sources: [{ name: 'app', group: 'web/app', path: logFile }],
    stateDir: dir,
    log: memoryLog(),
    capBytes,
  });
  server.current = s;
  return s;
}

describe('log shipper', () => {
  it('sends every line once in order across rename, copytruncate and a restart', async () => {
    const ref: { current?: LogShipper } = {};
    const server = new FakeServer(() => ref.current!);
    let shipper = shipperWith(ref);
    shipper.connected(server.send, {});
    writeFileSync(logFile, numbered(0, 10));
    appendFileSync(logFile, 'line 10 (partial');
    await shipper.poll();
    assert.deepEqual(server.lines, expected(10), 'a partial last line waits');
    appendFileSync(logFile, ')\n');
    await shipper.poll();
    assert.equal(server.lines.at(-1), 'line 10 (partial)');
    server.lines.pop();
    appendFileSync(logFile, numbered(10, 20));
    // Rename rotation: the writer adds to the old file after the rename, then the new file starts.
    renameSync(logFile, `${logFile}.1`);
    appendFileSync(`${logFile}.1`, numbered(20, 25));
    writeFileSync(logFile, numbered(25, 30));
    await shipper.poll();
    await shipper.poll();
    await shipper.poll();
    assert.deepEqual(server.lines, expected(30));
    // Copytruncate: same inode, shorter than the position.
    appendFileSync(logFile, numbered(30, 35));
    await shipper.poll();
    copyFileSync(logFile, `${logFile}.2`);
    truncateSync(logFile, 0);
    appendFileSync(logFile, numbered(35, 40));
    await shipper.poll();
    assert.deepEqual(server.lines, expected(40), 'lines after a copytruncate are taken');
    // A restart with lines sent and not acknowledged: resent, taken once.
    server.acking = false;
    appendFileSync(logFile, numbered(40, 50));
    await shipper.poll();
    await shipper.stop();
    server.acking = true;
    appendFileSync(logFile, numbered(50, 60));
    shipper = shipperWith(ref);
    shipper.connected(server.send, { ...server.positions });
    await shipper.poll();
    assert.deepEqual(server.lines, expected(60), 'the welcome position skips what the server took');
    await shipper.stop();
  });

  it('resumes from the welcome position and finishes a file rotated while stopped', async () => {
    const ref: { current?: LogShipper } = {};
    const server = new FakeServer(() => ref.current!);
    let shipper = shipperWith(ref);
    shipper.connected(server.send, {});
    writeFileSync(logFile, numbered(0, 5));
    await shipper.poll();
    await shipper.stop();
    // Taken by the server, but the ack never reached the agent: the welcome says so.
    appendFileSync(logFile, numbered(5, 8));
    const sent: LogBatch[] = [];
    shipper = shipperWith(ref);
    shipper.connected((b) => sent.push(b) > 0, {});
    await shipper.poll();
    const p = { file: sent[0].file, to: sent[0].to };
    await shipper.stop();
    server.lines.push('line 5', 'line 6', 'line 7');
    appendFileSync(logFile, numbered(8, 10));
    renameSync(logFile, `${logFile}.1`);
    writeFileSync(logFile, numbered(10, 12));
    shipper = shipperWith(ref);
    shipper.connected(server.send, { app: p });
    for (let i = 0; i < 4; i++) await shipper.poll();
    assert.deepEqual(server.lines, expected(12));
    await shipper.stop();
  });

  it('stops reading past the cap of unacknowledged bytes and catches up after the acks', async () => {
    const ref: { current?: LogShipper } = {};
    const server = new FakeServer(() => ref.current!);
    const shipper = shipperWith(ref, 100);
    writeFileSync(logFile, numbered(0, 100));
    await shipper.poll();
    await shipper.poll();
    assert.ok(shipper.unackedBytes() <= 100 + 20, `held ${shipper.unackedBytes()} bytes`);
    shipper.connected(server.send, {});
    for (let i = 0; i < 200 && server.lines.length < 100; i++) await shipper.poll();
    assert.deepEqual(server.lines, expected(100));
    await shipper.stop();
  });

  it('batches at most 1,000 lines and 1 MB of JSON, ranges back to back', async () => {
    const ref: { current?: LogShipper } = {};
    const sent: LogBatch[] = [];
    const shipper = shipperWith(ref);
    shipper.connected((b) => {
      sent.push(b);
      shipper.ack(b.seq);
      return true;
    }, {});
    writeFileSync(logFile, numbered(0, 2500));
    await shipper.poll();
    assert.deepEqual(
      sent.map((b) => b.lines.length),
      [1000, 1000, 500],
    );
    assert.equal(sent[1].from, sent[0].to);
    sent.length = 0;
    // Quotes double in JSON: 4,000 lines of 200 quotes are 1.6 MB as sent.
    appendFileSync(logFile, `${'"'.repeat(200)}\n`.repeat(4000));
    for (let i = 0; i < 3; i++) await shipper.poll();
    assert.equal(
      sent.reduce((n, b) => n + b.lines.length, 0),
      4000,
    );
    for (const b of sent) assert.ok(Buffer.byteLength(JSON.stringify(b)) < 1.1 * 1024 * 1024);
    await shipper.stop();
  });

  it('cuts a line over 256 KiB', async () => {
    const ref: { current?: LogShipper } = {};
    const server = new FakeServer(() => ref.current!);
    const shipper = shipperWith(ref);
    shipper.connected(server.send, {});
    writeFileSync(logFile, `${'x'.repeat(MAX_LINE_BYTES + 1000)}\nafter\n`);
    await shipper.poll();
    await shipper.poll();
    assert.equal(server.lines.length, 2);
    assert.equal(server.lines[0].length, MAX_LINE_BYTES);
    assert.equal(server.lines[1], 'after');
    await shipper.stop();
  });
});
