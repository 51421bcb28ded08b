/** TCP probe: up when a connection to host:port is accepted within the timeout. */
import net from 'node:net';
import type { TcpProbeSpec } from '../monitor-probes.js';
import {
  describeSocketError,
  describeTimeout,
  ms,
  type Probe,
  type ProbeContext,
  type ProbeResult,
  type ProbeTimings,
} from './probe.js';

function runTcp(spec: TcpProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  if (ctx.signal?.aborted) return Promise.resolve({ up: false, reason: 'check cancelled', timings: { totalMs: 0 } });
  return new Promise<ProbeResult>((resolve) => {
    const started = performance.now();
    let mark = started;
    const timings: ProbeTimings = { totalMs: 0 };
    let settled = false;
    const socket = net.connect({ host: spec.host, port: spec.port });
    const finish = (up: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      timings.totalMs = ms(performance.now() - started);
      resolve({ up, reason, timings });
    };
    const timer = setTimeout(() => finish(false, describeTimeout(ctx.timeoutMs)), ctx.timeoutMs);
    const onAbort = () => finish(false, 'check cancelled');
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('lookup', () => {
      const now = performance.now();
      timings.dnsMs = ms(now - mark);
      mark = now;
    });
    socket.once('connect', () => {
      timings.connectMs = ms(performance.now() - mark);
      finish(true, `connected in ${Math.round(performance.now() - started)} ms`);
    });
    socket.on('error', (err) => finish(false, describeSocketError(err, spec.host)));
  });
}

export const tcpProbe: Probe<TcpProbeSpec> = { type: 'tcp', run: runTcp };
