/**
 * A test's agent: a `ws` client that records every frame the server sends and waits for one with a deadline.
 * Test support only (imported by the fleet's tests).
 */
import { WebSocket } from 'ws';
import type { AgentMessageInput, ServerMessage } from '@tocsin/protocol';

export class TestAgent {
  readonly frames: ServerMessage[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ServerMessage));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** Connects with `credential`; resolves once open, or rejects with the HTTP status of a refusal. */
  static connect(port: number, credential?: string): Promise<TestAgent> {
    const headers: Record<string, string> = credential ? { authorization: `Bearer ${credential}` } : {};
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/agents/connect`, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestAgent(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(frame: AgentMessageInput | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * Answers every `probe` frame from now on as `answer` says (a location whose probe succeeds or fails),
   * without running it; `null` leaves it unanswered.
   */
  answerProbes(
    answer: (f: Extract<ServerMessage, { type: 'probe' }>) => { ok: boolean; message: string } | null,
  ): void {
    this.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as ServerMessage;
      if (f.type !== 'probe') return;
      const a = answer(f);
      if (a) this.send({ type: 'probe.result', checkId: f.checkId, latencyMs: 4, ...a });
    });
  }

  hello(hostname: string, tags: Record<string, string> = {}, probes = false): void {
    this.send({
      type: 'hello',
      protocol: 1,
      version: '0.1.0',
      hostname,
      platform: 'linux-x64',
      tags,
      commands: { enabled: false, allow: [] },
      probes,
    });
  }

  /** The first frame after index `from` that `match` takes, waiting up to `ms`. */
  async next<T extends ServerMessage['type']>(
    type: T,
    from = 0,
    ms = 5_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const found = await waitFor(() => this.frames.slice(from).find((f) => f.type === type), ms, `a ${type} frame`);
    return found as Extract<ServerMessage, { type: T }>;
  }

  async waitClosed(ms = 5_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, ms, 'the connection to close');
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `probe` until it answers something, or fails after `ms`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
