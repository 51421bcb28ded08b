/**
 * The agent put together: enrolment, the connection, log shipping, host metrics with self-checks,
 * run-command, and monitors' probes run from this host. Its end is an exit code: 0 when stopped, 78
 * (EX_CONFIG) when the server refuses it (revoked, or an enrolment refused), so that systemd's
 * RestartPreventExitStatus=78 does not restart it in a loop.
 *
 * States: enrolling ──credential──▶ running (connection and timers) ──stop()──▶ stopped (exit 0)
 *   running ──revoked──▶ stopped (exit 78); enrolling ──refused──▶ stopped (exit 78).
 */
import { access, constants, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AGENT_PROTOCOL_VERSION, type AgentTags, type ServerMessage } from '@tocsin/protocol';
import { AgentConnection, type Send } from './agent-connection.js';
import type { AgentLog } from './agent-log.js';
import { CommandRunner } from './command-runner.js';
import { ProbeRunner } from './probe-runner.js';
import { AgentConfigError, ensureEnrolled } from './enrollment.js';
import { HostMetrics } from './host-metrics.js';
import { type LogSource, LogShipper } from './log-shipper.js';
import { type BackoffOptions, reconnectDelay } from './reconnect-backoff.js';

export const EXIT_CONFIG = 78;
export const AGENT_VERSION = '0.1.0';

export interface AgentSettings {
  url: string;
  stateDir: string;
  hostname: string;
  tags: AgentTags;
  enrollToken?: string;
  allowCommands: boolean;
  allowPrefixes: string[];
  /** Runs monitors' probes as one of their locations (`--allow-probes`). */
  allowProbes: boolean;
  sources: LogSource[];
  /** Overrides the server's `metricsEveryMs`. */
  metricsEveryMs?: number;
  log: AgentLog;
  pollMs?: number;
  backoff?: BackoffOptions;
  stableMs?: number;
}

export class Agent {
  private connection?: AgentConnection;
  private shipper?: LogShipper;
  private commands?: CommandRunner;
  private probes?: ProbeRunner;
  private metricsTimer?: NodeJS.Timeout;
  /** The metrics round in flight (its self-checks write in the state dir): shutdown waits for it. */
  private metricsRound?: Promise<void>;
  private send?: Send;
  private stopped = false;
  private readonly host = new HostMetrics();

  constructor(private readonly s: AgentSettings) {}

  /** Runs until stopped or refused; answers the exit code. */
  async run(): Promise<number> {
    const s = this.s;
    let credential: Awaited<ReturnType<typeof ensureEnrolled>> | undefined;
    for (let attempt = 1; !credential && !this.stopped; attempt++) {
      try {
        credential = await ensureEnrolled({
          url: s.url,
          stateDir: s.stateDir,
          token: s.enrollToken,
          request: { hostname: s.hostname, tags: s.tags, version: AGENT_VERSION, platform: platform() },
          log: s.log,
        });
      } catch (err) {
        if (err instanceof AgentConfigError) {
          s.log.error(err.message);
          return EXIT_CONFIG;
        }
        // The server unreachable or failing: try again, as the connection does.
        const delay = reconnectDelay(attempt, s.backoff);
        s.log.warn('enrolment failed; trying again', { err: (err as Error).message, inMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (!credential) return 0;
    if (this.stopped) return 0;
    this.shipper = new LogShipper({ sources: s.sources, stateDir: s.stateDir, log: s.log, pollMs: s.pollMs });
    this.commands = new CommandRunner({
      enabled: s.allowCommands,
      allow: s.allowPrefixes,
      agentId: credential.agentId,
      commandKey: credential.commandKey,
      stateDir: s.stateDir,
      log: s.log,
    });
    this.probes = new ProbeRunner({
      enabled: s.allowProbes,
      agentId: credential.agentId,
      commandKey: credential.commandKey,
      log: s.log,
    });
    this.connection = new AgentConnection({
      url: s.url,
      credential: credential.credential,
      log: s.log,
      backoff: s.backoff,
      stableMs: s.stableMs,
      hello: {
        type: 'hello',
        protocol: AGENT_PROTOCOL_VERSION,
        version: AGENT_VERSION,
        hostname: s.hostname,
        platform: platform(),
        tags: s.tags,
        commands: { enabled: s.allowCommands, allow: s.allowPrefixes },
        probes: s.allowProbes,
      },
      onWelcome: (w, send) => {
        this.send = send;
        void this.shipper!.connected(send, w.positions);
        this.commands!.connected(send);
        this.probes!.connected(send);
        this.scheduleMetrics(s.metricsEveryMs ?? w.metricsEveryMs, 0);
      },
      onMessage: (m) => this.handle(m),
      onDisconnected: () => {
        this.send = undefined;
        clearTimeout(this.metricsTimer);
        this.shipper!.disconnected();
        this.commands!.disconnected();
        this.probes!.disconnected();
      },
    });
    this.shipper.start();
    const end = await this.connection.run();
    await this.shutdown();
    return end === 'revoked' ? EXIT_CONFIG : 0;
  }

  stop(): void {
    this.stopped = true;
    this.connection?.stop();
  }

  private handle(m: ServerMessage): void {
    if (m.type === 'ack') this.shipper!.ack(m.seq);
    else if (m.type === 'command.run') this.commands!.handleRun(m);
    else if (m.type === 'command.cancel') this.commands!.handleCancel(m.invocationId);
    else if (m.type === 'probe') this.probes!.handle(m);
    else if (m.type === 'error') this.s.log.warn('the server answered an error', { message: m.message });
  }

  private scheduleMetrics(everyMs: number, inMs: number): void {
    clearTimeout(this.metricsTimer);
    this.metricsTimer = setTimeout(() => {
      this.metricsRound = this.sendMetrics(everyMs).finally(() => {
        this.metricsRound = undefined;
        if (this.send && !this.stopped) this.scheduleMetrics(everyMs, everyMs);
      });
    }, inMs);
  }

  private async sendMetrics(everyMs: number): Promise<void> {
    const data = await this.host.collect().catch((err) => {
      this.s.log.warn('host metrics failed', { err });
      return [];
    });
    // More often than once a minute is high resolution, as the CloudWatch agent sends it.
    const storageResolution = everyMs < 60_000 ? 1 : 60;
    this.send?.({ type: 'metrics', time: Date.now(), data, storageResolution });
    this.send?.({ type: 'status', checks: await this.selfChecks() });
  }

  /** The state dir is writable and every log file readable. */
  async selfChecks(): Promise<{ name: string; ok: boolean; message: string }[]> {
    const checks: { name: string; ok: boolean; message: string }[] = [];
    const probe = path.join(this.s.stateDir, `.write-check-${process.pid}`);
    try {
      await writeFile(probe, 'ok');
      await unlink(probe);
      checks.push({ name: 'state_dir_writable', ok: true, message: '' });
    } catch (err) {
      checks.push({ name: 'state_dir_writable', ok: false, message: (err as Error).message.slice(0, 1024) });
    }
    for (const src of this.s.sources.slice(0, 49)) {
      const ok = await access(src.path, constants.R_OK).then(
        () => true,
        () => false,
      );
      const name = `log_readable:${src.name}`.slice(0, 64);
      checks.push({ name, ok, message: ok ? '' : `cannot read ${src.path}`.slice(0, 1024) });
    }
    return checks;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.metricsTimer);
    await this.metricsRound;
    clearTimeout(this.metricsTimer);
    await this.shipper?.stop();
    await this.commands?.stop();
    await this.probes?.idle();
  }
}

function platform(): string {
  return `${os.platform()}-${os.arch()} ${os.release()}`.slice(0, 64);
}
