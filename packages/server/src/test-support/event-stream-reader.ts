import assert from 'node:assert/strict';

/** Reads an event stream as text until `done` holds (at most 5 s). */
export async function readUntil(
  body: ReadableStream<Uint8Array>,
  done: (text: string) => boolean,
): Promise<{ text: string; cancel(): Promise<void> }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5_000;
  while (!done(text)) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail(`the stream did not say what was expected within 5 s; it said:\n${text}`);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left).unref());
    const next = await Promise.race([reader.read(), timeout]);
    if (next === 'timeout') continue;
    if (next.done) assert.fail(`the stream ended; it said:\n${text}`);
    text += decoder.decode(next.value, { stream: true });
  }
  return { text, cancel: () => reader.cancel() };
}
