/**
 * Takes `command.run` frames: checks the server's Ed25519 signature with the command key stored at enrolment,
 * that the frame is for this agent, that its delivery deadline has not passed and that the command is allowed;
 * then runs it and sends `command.started` and `command.result`. Results are kept (in memory and in
 * results.json) until written to a connection, and also afterwards for a week, so that an invocation sent again
 * gets its result again instead of a second run.
 *
 * States of an invocation here: unknown ──run (refused)──▶ finished(Undeliverable | Failed)
 *   unknown ──run (taken)──▶ running ──exit, timeout, cancel──▶ finished ──written to a connection──▶ sent.
 *   finished/sent ──run again──▶ its result sent again; running ──run again──▶ `command.started` again.
 */
import { verify } from 'node:crypto';
import path from 'node:path';
import { type AgentMessageInput, commandSigningText, type ServerMessage } from '@tocsin/protocol';
import type { AgentLog } from './agent-log.js';
import { type RunningCommand, runCommand } from './command-executor.js';
import { readJson, writeJsonAtomic } from './state-files.js';

type RunFrame = Extract<ServerMessage, { type: 'command.run' }>;
export type ResultFrame = Extract<AgentMessageInput, { type: 'command.result' }>;

interface Kept {
  result: ResultFrame;
  sent: boolean;
}

export interface CommandRunnerOptions {
  enabled: boolean;
  /** Command prefixes allowed; empty allows any. */
  allow: string[];
  agentId: string;
  /** The server's Ed25519 public key, PEM. */
  commandKey: string;
  stateDir: string;
  log: AgentLog;
  now?: () => number;
  killAfterMs?: number;
}

const KEEP_MS = 7 * 86_400_000;
const KEEP_MAX = 1000;

export class CommandRunner {
  private readonly kept = new Map<string, Kept>();
  private readonly running = new Map<string, RunningCommand>();
  private send?: (m: AgentMessageInput) => boolean;
  private readonly file: string;
  private readonly now: () => number;

  constructor(private readonly o: CommandRunnerOptions) {
    this.now = o.now ?? Date.now;
    this.file = path.join(o.stateDir, 'results.json');
    const saved = (readJson(this.file) as Record<string, Kept> | undefined) ?? {};
    for (const [id, k] of Object.entries(saved)) this.kept.set(id, k);
  }

  connected(send: (m: AgentMessageInput) => boolean): void {
    this.send = send;
    for (const id of this.running.keys()) send({ type: 'command.started', invocationId: id });
    for (const k of this.kept.values()) if (!k.sent) this.deliver(k);
    this.save();
  }

  disconnected(): void {
    this.send = undefined;
  }

  /** Ends every running command (agent stopping): they finish as Cancelled. */
  async stop(): Promise<void> {
    const runs = [...this.running.values()];
    for (const r of runs) r.cancel();
    await Promise.all(runs.map((r) => r.done));
  }

  /** Why a frame is refused, as the result's status and reason; undefined when it may run. */
  refusal(f: RunFrame): { status: 'Undeliverable' | 'Failed'; reason: string } | undefined {
    if (!this.signatureOk(f)) return { status: 'Failed', reason: 'bad signature: not signed by the server' };
    if (f.notAfter < this.now()) return { status: 'Undeliverable', reason: 'delivery deadline passed' };
    if (!this.o.enabled)
      return { status: 'Undeliverable', reason: 'commands are not enabled on this agent (--allow-commands)' };
    const allowed = this.o.allow.length === 0 || this.o.allow.some((p) => f.command.startsWith(p));
    if (!allowed) return { status: 'Undeliverable', reason: 'not allowed by this agent (--allow-prefix)' };
    return undefined;
  }

  handleRun(f: RunFrame): void {
    if (!this.signatureOk(f)) {
      // Nothing of a frame the server did not sign is kept: its id could be any other invocation's.
      this.o.log.warn('command frame refused', { invocationId: f.invocationId, reason: 'bad signature or agent' });
      this.send?.(this.result(f.invocationId, 'Failed', 'bad signature, or a frame for another agent'));
      return;
    }
    const kept = this.kept.get(f.invocationId);
    if (kept) {
      this.deliver(kept);
      return;
    }
    if (this.running.has(f.invocationId)) {
      this.send?.({ type: 'command.started', invocationId: f.invocationId });
      return;
    }
    const refused = this.refusal(f);
    if (refused) {
      this.finish(this.result(f.invocationId, refused.status, refused.reason));
      return;
    }
    this.o.log.info('command started', { invocationId: f.invocationId, runId: f.runId });
    const run = runCommand(f.command, { timeoutMs: f.timeoutMs, now: this.now, killAfterMs: this.o.killAfterMs });
    this.running.set(f.invocationId, run);
    this.send?.({ type: 'command.started', invocationId: f.invocationId });
    void run.done.then((out) => {
      this.running.delete(f.invocationId);
      this.o.log.info('command ended', { invocationId: f.invocationId, status: out.status, exitCode: out.exitCode });
      this.finish({ type: 'command.result', invocationId: f.invocationId, ...out });
    });
  }

  handleCancel(invocationId: string): void {
    this.running.get(invocationId)?.cancel();
  }

  /** Resolves when no command runs (for tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
    await new Promise((r) => setImmediate(r));
  }

  private signatureOk(f: RunFrame): boolean {
    try {
      // The frame names no agent: signed for this agent's id, it verifies only here.
      const text = commandSigningText({ ...f, agentId: this.o.agentId });
      return verify(null, Buffer.from(text), this.o.commandKey, Buffer.from(f.signature, 'base64'));
    } catch {
      return false;
    }
  }

  private result(invocationId: string, status: 'Undeliverable' | 'Failed', reason: string): ResultFrame {
    const stdio = { stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false };
    return {
      type: 'command.result',
      invocationId,
      status,
      exitCode: null,
      ...stdio,
      reason,
      startedAt: null,
      endedAt: this.now(),
    };
  }

  private finish(result: ResultFrame): void {
    const k: Kept = { result, sent: false };
    this.kept.set(result.invocationId, k);
    this.deliver(k);
    this.save();
  }

  private deliver(k: Kept): void {
    if (this.send?.(k.result)) k.sent = true;
  }

  private save(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [id, k] of this.kept) if (k.sent && k.result.endedAt < cutoff) this.kept.delete(id);
    while (this.kept.size > KEEP_MAX) this.kept.delete(this.kept.keys().next().value!);
    writeJsonAtomic(this.file, Object.fromEntries(this.kept));
  }
}
