/**
 * The agent's one outbound WebSocket to `${url}/api/agents/connect` (wss for an https URL), with its bearer
 * credential. `hello` is sent on open; frames other than `pong` wait for the server's `welcome`.
 *
 * States: connecting ──open──▶ greeting (hello sent) ──welcome──▶ ready (frames flow; ping answered with pong)
 *   any ──closed or failed──▶ waiting (backoff: full jitter from 1 s to 60 s; the attempt count resets after
 *   a connection that lasted `stableMs`) ──▶ connecting.
 *   connecting ──401/403──▶ revoked; ready ──close 4401──▶ revoked (run() resolves 'revoked': exit 78).
 *   any ──stop()──▶ stopped (run() resolves 'stopped').
 *   open ──nothing from the server for `silentMs`──▶ terminated, then waiting: a server gone without a close (a
 *   host down, a partition) leaves a socket that looks open for hours; the hub pings every 30 s, so silence
 *   means it is gone.
 */
import { type AgentMessageInput, type ServerMessage, serverMessageSchema } from '@tocsin/protocol';
import WebSocket from 'ws';
import type { AgentLog } from './agent-log.js';
import { apiUrl } from './enrollment.js';
import { type BackoffOptions, reconnectDelay } from './reconnect-backoff.js';

export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
export type Send = (m: AgentMessageInput) => boolean;

export interface ConnectionOptions {
  url: string;
  credential: string;
  hello: Extract<AgentMessageInput, { type: 'hello' }>;
  log: AgentLog;
  onWelcome(welcome: Welcome, send: Send): void;
  onMessage(m: ServerMessage): void;
  onDisconnected(): void;
  backoff?: BackoffOptions;
  /** A connection open this long resets the backoff. */
  stableMs?: number;
  /** A connection the server sent nothing on for this long is ended (90 s: three of the hub's ping rounds). */
  silentMs?: number;
}

export const CLOSE_REVOKED = 4401;

/** The WebSocket URL under the server's URL (which may have a path of its own behind a proxy). */
export function connectUrl(url: string): string {
  const u = apiUrl(url, '/api/agents/connect');
  u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
  return u.toString();
}

export class AgentConnection {
  private ws?: WebSocket;
  private stopped = false;
  private attempt = 0;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;
  /** Connection attempts made (for tests). */
  attempts = 0;

  constructor(private readonly o: ConnectionOptions) {}

  /** Connects and reconnects until stopped or revoked. */
  async run(): Promise<'stopped' | 'revoked'> {
    while (!this.stopped) {
      const end = await this.once();
      if (end === 'revoked') return 'revoked';
      if (this.stopped) break;
      const delay = reconnectDelay(++this.attempt, this.o.backoff);
      this.o.log.info('reconnecting', { inMs: delay, attempt: this.attempt });
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
    }
    return 'stopped';
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    this.ws?.close(1000, 'agent stopping');
  }

  private once(): Promise<'closed' | 'revoked'> {
    this.attempts++;
    const ws = new WebSocket(connectUrl(this.o.url), {
      headers: { Authorization: `Bearer ${this.o.credential}` },
      handshakeTimeout: 30_000,
    });
    this.ws = ws;
    let openedAt = 0;
    let ready = false;
    const send: Send = (m) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(m));
      return true;
    };
    let silence: NodeJS.Timeout | undefined;
    const heard = () => {
      clearTimeout(silence);
      const silentMs = this.o.silentMs ?? 90_000;
      silence = setTimeout(() => {
        this.o.log.warn('the server sent nothing for too long: connecting again', { silentMs });
        ws.terminate();
      }, silentMs);
    };
    return new Promise((resolve) => {
      let revoked = false;
      ws.on('unexpected-response', (_req, res) => {
        revoked = res.statusCode === 401 || res.statusCode === 403;
        this.o.log[revoked ? 'error' : 'warn'](
          revoked ? 'the server refused the credential: revoked? enrol again' : 'connection refused',
          { status: res.statusCode },
        );
        ws.terminate();
      });
      ws.on('open', () => {
        openedAt = Date.now();
        heard();
        send(this.o.hello);
      });
      ws.on('message', (data) => {
        heard();
        const m = this.parse(data.toString());
        if (!m) return;
        if (m.type === 'ping') send({ type: 'pong', id: m.id });
        else if (m.type === 'welcome') {
          ready = true;
          this.o.log.info('connected', { agentId: m.agentId });
          this.o.onWelcome(m, send);
        } else if (ready) this.o.onMessage(m);
      });
      ws.on('error', (err) => this.o.log.warn('connection error', { err: err.message }));
      ws.on('close', (code, reason) => {
        clearTimeout(silence);
        if (ready) this.o.onDisconnected();
        if (openedAt && Date.now() - openedAt >= (this.o.stableMs ?? 30_000)) this.attempt = 0;
        if (code === CLOSE_REVOKED) {
          revoked = true;
          this.o.log.error('the server revoked this agent: enrol again', { reason: reason.toString() });
        } else if (openedAt) this.o.log.warn('connection closed', { code, reason: reason.toString() });
        resolve(revoked ? 'revoked' : 'closed');
      });
    });
  }

  private parse(text: string): ServerMessage | undefined {
    try {
      const parsed = serverMessageSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      this.o.log.warn('frame not understood', { issue: parsed.error.issues[0]?.message });
    } catch {
      this.o.log.warn('frame is not JSON');
    }
    return undefined;
  }
}
