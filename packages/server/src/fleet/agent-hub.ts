/**
 * The agents' WebSocket (`GET /api/agents/connect`, upgraded): the credential is checked before the upgrade
 * (401 on the raw socket otherwise), every frame is parsed with agentMessageSchema (a bad one is answered with
 * an `error` frame, the connection kept), and a frame over MAX_FRAME_BYTES closes the connection (ws's 1009).
 * One agent, one connection: a second one from the same agent replaces the first (closed with 4409), on this
 * node at once and on another through the change bus.
 *
 * A connection's states: open (authenticated, waiting for hello; other frames are refused) ──hello──▶ ready
 *   (welcome sent with its log positions; frames handled one after another, in order) ──close, replaced
 *   (4409), revoked (4401), marked offline meanwhile (4408), silent for a whole ping round (terminated), or
 *   server stop (1001)──▶ closed.
 * The ping round (a scheduler job on every node, every 30 s) pings every connection, ends those that sent
 * nothing since the last round, and records in one statement the agents heard from.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AGENT_PROTOCOL_VERSION, agentMessageSchema, type AgentMessage, type ServerMessage } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AgentIngest } from './agent-ingest.js';
import type { AgentService } from './agent-service.js';
import type { AgentRow } from './agent-store.js';

export const CONNECT_PATH = '/api/agents/connect';
/** The largest frame taken: a full log batch with some room. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024;
export const PING_EVERY_MS = 30_000;
export const CLOSE_REVOKED = 4401;
export const CLOSE_REPLACED = 4409;
/** Marked offline while connected here (its pings were not recorded): it connects again and is online. */
export const CLOSE_OFFLINE = 4408;
/** How long a stopping server waits for an agent to answer its close frame. */
const CLOSE_WAIT_MS = 2_000;

export type CommandMessage = Extract<AgentMessage, { type: 'command.started' | 'command.result' }>;
export type ProbeResultMessage = Extract<AgentMessage, { type: 'probe.result' }>;

/** What the run-command service uses of the hub. */
export interface AgentLink {
  /** Sends a frame to an agent connected to THIS node; false when it is not. */
  send(agentId: string, frame: ServerMessage): boolean;
  isConnectedHere(agentId: string): boolean;
  /** Handlers for command frames from agents connected here. */
  onCommandMessage(h: (agentId: string, m: CommandMessage) => void): void;
  /** Called when an agent connects here (after hello), to send what waits for it. */
  onConnect(h: (agentId: string) => void): void;
}

interface Connection {
  id: string;
  agentId: string;
  hostname: string;
  ws: WebSocket;
  ready: boolean;
  /** A frame came since the last ping round. */
  heard: boolean;
  /** The frame being handled: the next one waits for it. */
  chain: Promise<void>;
}

export interface AgentHubOptions {
  agents: AgentService;
  ingest: AgentIngest;
  nodeId: string;
  logger: Logger;
  /** What the welcome tells agents: how often to send metrics. */
  metricsEveryMs: number;
  /** Counts the datapoints taken from metrics frames (Tocsin's own telemetry). */
  onDatapoints?: (n: number) => void;
}

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : 'unavailable', message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

export class AgentHub implements AgentLink {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly byAgent = new Map<string, Connection>();
  private readonly commandHandlers: ((agentId: string, m: CommandMessage) => void)[] = [];
  private readonly connectHandlers: ((agentId: string) => void)[] = [];
  private readonly probeHandlers: ((agentId: string, m: ProbeResultMessage) => void)[] = [];
  private readonly disconnectHandlers: ((agentId: string) => void)[] = [];
  private pingId = 0;
  private closed = false;
  private closing?: Promise<void>;

  constructor(private readonly o: AgentHubOptions) {}

  /** The upgrade handler the HTTP server hands `/api/agents/connect` to. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.accept(req, socket, head);
  };

  send(agentId: string, frame: ServerMessage): boolean {
    const conn = this.byAgent.get(agentId);
    if (!conn?.ready || conn.ws.readyState !== WebSocket.OPEN) return false;
    conn.ws.send(JSON.stringify(frame));
    return true;
  }

  isConnectedHere(agentId: string): boolean {
    const conn = this.byAgent.get(agentId);
    return !!conn?.ready && conn.ws.readyState === WebSocket.OPEN;
  }

  onCommandMessage(h: (agentId: string, m: CommandMessage) => void): void {
    this.commandHandlers.push(h);
  }

  onConnect(h: (agentId: string) => void): void {
    this.connectHandlers.push(h);
  }

  /** Handlers for probe answers from agents connected here. */
  onProbeResult(h: (agentId: string, m: ProbeResultMessage) => void): void {
    this.probeHandlers.push(h);
  }

  /** Called when a ready connection here ends. */
  onDisconnect(h: (agentId: string) => void): void {
    this.disconnectHandlers.push(h);
  }

  /** The agents connected here (ready). */
  connected(): string[] {
    return [...this.byAgent.values()].filter((c) => c.ready).map((c) => c.agentId);
  }

  /**
   * The agents connected here that have sent nothing since the last ping round: the next round ends them. A
   * driver of the clock (a test moving it minutes at a time) lets them answer before that round.
   */
  unheard(): string[] {
    return [...this.byAgent.values()].filter((c) => !c.heard).map((c) => c.agentId);
  }

  /** Closes an agent's connection here, if it has one. */
  disconnect(agentId: string, code: number, reason: string): void {
    this.byAgent.get(agentId)?.ws.close(code, reason);
  }

  /** Agents changed on another node (a hello there, a revocation): close what this node holds of them. */
  async changed(ids: readonly string[]): Promise<void> {
    const here = ids.filter((id) => this.byAgent.get(id)?.ready);
    for (const row of await this.o.agents.rows(here)) {
      const conn = this.byAgent.get(row.id);
      if (!conn?.ready) continue;
      if (row.revoked_at !== null) conn.ws.close(CLOSE_REVOKED, 'revoked');
      else if (row.connection_id === null) conn.ws.close(CLOSE_OFFLINE, 'marked offline: connect again');
      else if (row.connection_id !== conn.id) conn.ws.close(CLOSE_REPLACED, 'replaced by a newer connection');
    }
  }

  /** After a reconnection of the change bus: every connection here checked again. */
  resync(): Promise<void> {
    return this.changed(this.connected());
  }

  /** One ping round: ends the silent, pings the others, records who was heard from. */
  async pingRound(): Promise<void> {
    const heard: string[] = [];
    for (const conn of this.byAgent.values()) {
      if (!conn.heard) {
        this.o.logger.info('agent connection silent for a ping round; ended', { agentId: conn.agentId });
        conn.ws.terminate();
        continue;
      }
      conn.heard = false;
      if (!conn.ready) continue;
      heard.push(conn.agentId);
      this.send(conn.agentId, { type: 'ping', id: ++this.pingId });
    }
    await this.o.agents.touch(heard);
  }

  /**
   * Closes every connection (server stop): a close frame, then, for a peer that does not answer within
   * CLOSE_WAIT_MS, the socket ended; resolves once their last frames were handled. Called again, the same.
   */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    this.closed = true;
    const conns = [...this.byAgent.values()];
    await Promise.all(
      conns.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => c.ws.terminate(), CLOSE_WAIT_MS);
            c.ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            c.ws.close(1001, 'server stopping');
          }),
      ),
    );
    await Promise.all(conns.map((c) => c.chain));
    this.wss.close();
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.closed) return refuse(socket, 503, 'Service Unavailable', 'the server is stopping');
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return refuse(socket, 401, 'Unauthorized', 'send the agent credential as "Authorization: Bearer …"');
    let agent: AgentRow | undefined;
    try {
      agent = await this.o.agents.authenticate(match[1]);
    } catch (err) {
      this.o.logger.warn('agent authentication failed', { err });
      return refuse(socket, 503, 'Service Unavailable', 'the database did not answer; retry');
    }
    if (!agent) return refuse(socket, 401, 'Unauthorized', 'this agent credential is not valid or was revoked');
    const a = agent;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, a));
  }

  private attach(ws: WebSocket, agent: AgentRow): void {
    const conn: Connection = {
      id: randomUUID(),
      agentId: agent.id,
      hostname: agent.hostname,
      ws,
      ready: false,
      heard: true,
      chain: Promise.resolve(),
    };
    this.byAgent.get(agent.id)?.ws.close(CLOSE_REPLACED, 'replaced by a newer connection');
    this.byAgent.set(agent.id, conn);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      conn.heard = true;
      conn.chain = conn.chain.then(() => this.frame(conn, data, isBinary, agent));
    });
    ws.on('error', (err) => this.o.logger.debug('agent connection error', { agentId: agent.id, err }));
    ws.on('close', () => {
      if (this.byAgent.get(agent.id) === conn) this.byAgent.delete(agent.id);
      if (conn.ready) for (const h of this.disconnectHandlers) this.safely(() => h(agent.id));
      conn.chain = conn.chain
        .then(() => (conn.ready ? this.o.agents.disconnected(agent.id, conn.id) : undefined))
        .catch((err) => this.o.logger.warn('recording an agent disconnection failed', { agentId: agent.id, err }));
    });
  }

  private reply(conn: Connection, frame: ServerMessage): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  private async frame(conn: Connection, data: RawData, isBinary: boolean, agent: AgentRow): Promise<void> {
    let json: unknown;
    try {
      if (isBinary) throw new Error('binary');
      json = JSON.parse(data.toString());
    } catch {
      return this.reply(conn, { type: 'error', message: 'a frame is one JSON object as text' });
    }
    const parsed = agentMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      return this.reply(conn, { type: 'error', message: `bad frame: ${where}${issue?.message ?? 'invalid'}` });
    }
    const m = parsed.data;
    if (!conn.ready && m.type !== 'hello') return this.reply(conn, { type: 'error', message: 'send hello first' });
    try {
      await this.handle(conn, m, agent);
    } catch (err) {
      if (err instanceof TocsinError) return this.reply(conn, { type: 'error', message: `${m.type}: ${err.message}` });
      this.o.logger.warn('an agent frame failed', { agentId: conn.agentId, type: m.type, err });
      this.reply(conn, { type: 'error', message: `${m.type}: not taken (server error); send it again` });
    }
  }

  private async handle(conn: Connection, m: AgentMessage, agent: AgentRow): Promise<void> {
    const who = { id: conn.agentId, hostname: conn.hostname };
    switch (m.type) {
      case 'hello': {
        if (m.protocol !== AGENT_PROTOCOL_VERSION)
          return this.reply(conn, {
            type: 'error',
            message: `hello: protocol ${m.protocol} is not spoken here; this server speaks ${AGENT_PROTOCOL_VERSION}`,
          });
        const positions = await this.o.agents.hello(agent, m, { node: this.o.nodeId, connectionId: conn.id });
        if (!positions) return void conn.ws.close(CLOSE_REVOKED, 'revoked');
        conn.hostname = m.hostname;
        conn.ready = true;
        this.reply(conn, { type: 'welcome', agentId: conn.agentId, metricsEveryMs: this.o.metricsEveryMs, positions });
        for (const h of this.connectHandlers) this.safely(() => h(conn.agentId));
        return;
      }
      case 'metrics': {
        const n = await this.o.ingest.metrics(who, m);
        this.o.onDatapoints?.(n);
        await this.o.agents.saveMetricsSummary(conn.agentId, m.time, n);
        return;
      }
      case 'status':
        return this.o.agents.saveSelfChecks(conn.agentId, m.checks);
      case 'logs':
        await this.o.ingest.logs(who, m);
        return this.reply(conn, { type: 'ack', seq: m.seq });
      case 'command.started':
      case 'command.result':
        for (const h of this.commandHandlers) this.safely(() => h(conn.agentId, m));
        return;
      case 'probe.result':
        for (const h of this.probeHandlers) this.safely(() => h(conn.agentId, m));
        return;
      case 'pong':
        return;
    }
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.o.logger.warn('an agent hub handler failed', { err });
    }
  }
}
