import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { FakeClock } from '../core/clock.js';
import { SharedAnswer } from './shared-answer.js';

function appOf(maxAgeMs: number) {
  const clock = new FakeClock(1_000_000);
  let builds = 0;
  const shared = new SharedAnswer(clock, maxAgeMs, () => {
    builds++;
    return { build: builds, rows: Array.from({ length: 200 }, (_, i) => ({ name: `m-${i}`, up: i % 3 !== 0 })) };
  });
  const app = new Hono();
  app.get('/shared', (c) => shared.send(c));
  return { app, clock, builds: () => builds };
}

async function buildOf(res: Response | Promise<Response>): Promise<number> {
  return ((await (await res).json()) as { build: number }).build;
}

describe('SharedAnswer', () => {
  it('builds once for every request within its age, and again after it', async () => {
    const { app, clock, builds } = appOf(5_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => app.request('/shared')));
    assert.equal(builds(), 1);
    const etags = new Set(answers.map((a) => a.headers.get('etag')));
    assert.equal(etags.size, 1);
    assert.equal(await buildOf(answers[0]), 1);
    clock.advance(4_999);
    assert.equal(await buildOf(app.request('/shared')), 1);
    clock.advance(1);
    assert.equal(await buildOf(app.request('/shared')), 2);
    assert.equal(builds(), 2);
  });

  it('compresses once per encoding, with an ETag each, and answers 304 to a client that has it', async () => {
    const { app } = appOf(5_000);
    const plain = await (await app.request('/shared')).text();
    for (const [encoding, inflate] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const res = await app.request('/shared', { headers: { 'accept-encoding': encoding } });
      assert.equal(res.headers.get('content-encoding'), encoding);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.ok(bytes.length < plain.length / 3, `${encoding}: ${bytes.length} of ${plain.length}`);
      assert.equal(inflate(bytes).toString('utf8'), plain);
      const etag = res.headers.get('etag')!;
      const again = await app.request('/shared', { headers: { 'accept-encoding': encoding, 'if-none-match': etag } });
      assert.equal(again.status, 304);
    }
  });
});
