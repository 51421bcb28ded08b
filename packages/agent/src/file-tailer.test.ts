import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { logEventProblem } from '@tocsin/protocol';
import { FileTailer, MAX_LINE_BYTES } from './file-tailer.js';

describe('file tailer', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-tailer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Every line of the file, as the tailer reads them. */
  async function linesOf(file: string): Promise<string[]> {
    const t = new FileTailer(file);
    const out: string[] = [];
    for (let chunks = await t.read(8 << 20); chunks.length; chunks = await t.read(8 << 20))
      for (const c of chunks) out.push(...c.lines);
    await t.close();
    return out;
  }

  const problem = (message: string) =>
    logEventProblem({
      time: 1,
      observedTime: 1,
      group: 'g',
      level: 0,
      levelText: '',
      message,
      attributes: {},
      resource: {},
    });

  it('keeps a cut line within the server limit in UTF-8, whatever bytes the file holds', async () => {
    const file = path.join(dir, 'bytes.log');
    // Bytes that are not UTF-8 each become U+FFFD (3 bytes), and a cut in a 2-byte character leaves half of it.
    const junk = Buffer.alloc(MAX_LINE_BYTES + 10, 0xff);
    const twoByte = Buffer.from('é'.repeat(MAX_LINE_BYTES), 'utf8').subarray(1);
    writeFileSync(file, Buffer.concat([junk, Buffer.from('\n'), twoByte, Buffer.from('\nok\n')]));
    const lines = await linesOf(file);
    assert.equal(lines.length, 3);
    assert.equal(lines[2], 'ok');
    for (const l of lines) {
      assert.ok(Buffer.byteLength(l) <= MAX_LINE_BYTES, `${Buffer.byteLength(l)} bytes`);
      assert.equal(problem(l), undefined);
    }
    assert.ok(lines[0].length > 80_000 && lines[1].length > 100_000, 'most of a long line is kept');
  });
});
