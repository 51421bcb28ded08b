/**
 * Simulated agents for bench/fleet: real WebSocket connections speaking the agent protocol
 * (packages/protocol/src/agent.ts), many in one process. Each says hello, waits for its welcome, answers pings,
 * and answers a `command.run` at once with `command.started` and a `command.result` of Success, as an agent
 * whose command takes no time would. States of one: connecting → open (hello sent) → welcomed → closed.
 */
import {
  AGENT_PROTOCOL_VERSION,
  type AgentMessageInput,
  type EnrollResponse,
  type HostDatum,
  serverMessageSchema,
} from '@tocsin/protocol';
import WebSocket from 'ws';

export interface SimAgent {
  id: string;
  ws: WebSocket;
  /** Command frames answered. */
  answered: number;
  send(m: AgentMessageInput): void;
}

/** Connects one simulated agent and resolves once the server's welcome arrived. */
export function connectAgent(base: string, cred: EnrollResponse, hostname: string): Promise<SimAgent> {
  const url = `${base.replace(/^http/, 'ws')}/api/agents/connect`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${cred.credential}` }, perMessageDeflate: false });
  const agent: SimAgent = {
    id: cred.agentId,
    ws,
    answered: 0,
    send: (m) => ws.send(JSON.stringify(m)),
  };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`connect answered ${res.statusCode}`)));
    ws.on('open', () =>
      agent.send({
        type: 'hello',
        protocol: AGENT_PROTOCOL_VERSION,
        version: 'bench',
        hostname,
        platform: 'linux',
        tags: { bench: 'fleet' },
        commands: { enabled: true, allow: [] },
      }),
    );
    ws.on('message', (data: Buffer) => {
      const m = serverMessageSchema.parse(JSON.parse(data.toString('utf8')));
      if (m.type === 'welcome') resolve(agent);
      else if (m.type === 'ping') agent.send({ type: 'pong', id: m.id });
      else if (m.type === 'command.run') {
        const now = Date.now();
        agent.send({ type: 'command.started', invocationId: m.invocationId });
        agent.send({
          type: 'command.result',
          invocationId: m.invocationId,
          status: 'Success',
          exitCode: 0,
          stdout: 'cleared\n',
          stderr: '',
          stdoutTruncated: false,
          stderrTruncated: false,
          startedAt: now,
          endedAt: now,
        });
        agent.answered++;
      }
    });
  });
}

/** A minute's host metrics as the agent sends them: `n` datapoints, disk per mount and the rest. */
export function hostMetrics(n: number, seed: number): HostDatum[] {
  const out: HostDatum[] = [];
  for (let i = 0; i < n; i++) {
    if (i < n / 2)
      out.push({
        name: 'disk_used_percent',
        value: (seed * 7 + i * 13) % 100,
        unit: 'Percent',
        dimensions: { path: `/mnt/d${i}`, device: `vd${i}`, fstype: 'ext4' },
      });
    else out.push({ name: `cpu_usage_${i}`, value: (seed + i) % 100, unit: 'Percent', dimensions: {} });
  }
  return out;
}

/** Runs `f` over `items`, `width` at a time. */
export async function pool<T, R>(items: readonly T[], width: number, f: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!, i);
      }
    }),
  );
  return out;
}
