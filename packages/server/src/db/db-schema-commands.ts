/** The tables of command runs (migration 0018). */
export interface CommandRunTable {
  id: string;
  command: string;
  /** JSON: the validated CommandRunSpec. */
  spec: string;
  /** The targets as people read them: `role=web`, or `agents a,b`. */
  selector: string;
  expected: number;
  /** body | group:NAME | targets */
  expected_from: string;
  /** JSON: [{ id, hostname }] resolved at start. */
  targets: string;
  /** InProgress | Success | Failed | Cancelled */
  status: string;
  cancel_requested: number;
  /** 1 once MaxErrors stopped the rollout. */
  stopped: number;
  reason: string | null;
  /** JSON: invocations per status, written with the verdict. */
  counts: string;
  /** Who started it: `token:NAME`, `user:NAME` or `alarm:NAME`. */
  started_by: string;
  created_at: number;
  ended_at: number | null;
}

export interface CommandInvocationTable {
  id: string;
  run_id: string;
  seq: number;
  agent_id: string;
  hostname: string;
  /** Pending | Delivering (released, shown as Pending) | InProgress | Success | Failed | TimedOut | … */
  status: string;
  released_at: number | null;
  sent_at: number | null;
  cancel_sent_at: number | null;
  /** The node that sent it. */
  node: string | null;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: number;
  stderr_truncated: number;
  reason: string | null;
}

export interface CommandTables {
  command_runs: CommandRunTable;
  command_invocations: CommandInvocationTable;
}
