/** The fleet's tables (migration 0017). */
export interface EnrollmentTokenTable {
  id: string;
  name: string;
  /** sha256 hex of the token; the token itself is shown once. */
  token_hash: string;
  /** JSON: tags every agent enrolled with it gets. */
  tags: string;
  uses: number;
  used: number;
  expires_at: number;
  created_at: number;
  created_by: string | null;
  revoked_at: number | null;
}

export interface AgentTable {
  id: string;
  hostname: string;
  /** JSON: the agent's own tags merged with its enrolment token's (the token's win). */
  tags: string;
  version: string;
  platform: string;
  /** sha256 hex of the bearer credential. */
  credential_hash: string;
  enrollment_token_id: string | null;
  enrolled_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  /** online | offline */
  state: string;
  /** When it last went offline (the dedup key of that outage's events). */
  offline_since: number | null;
  /** The node holding its connection, and that connection's id. */
  node: string | null;
  connection_id: string | null;
  commands_enabled: number;
  /** JSON list of allowed command prefixes (empty: any). */
  commands_allow: string;
  /** Whether it runs monitors' probes (`--allow-probes`, from its hello). */
  probes_enabled: number;
  /** JSON: the last metrics frame's summary (time and datapoint count). */
  metrics: string | null;
  /** JSON: the last self-checks it sent. */
  self_check: string | null;
}

export interface AgentLogPositionTable {
  agent_id: string;
  source: string;
  /** The identity (device and inode) of the file `to_offset` is of. */
  file: string;
  to_offset: number;
  updated_at: number;
}

export interface AgentGroupTable {
  name: string;
  spec: string;
}

export interface FleetTables {
  enrollment_tokens: EnrollmentTokenTable;
  agents: AgentTable;
  agent_log_positions: AgentLogPositionTable;
  agent_groups: AgentGroupTable;
  probe_relays: ProbeRelayTable;
}

/**
 * A probe frame for an agent connected to another node than the one running the check (migration 0019), and
 * its answer: written by the checking node, sent and answered through the node holding the connection.
 */
export interface ProbeRelayTable {
  check_id: string;
  agent_id: string;
  /** The node that runs the check (and reads the answer). */
  origin: string;
  /** JSON: the signed `probe` frame. */
  frame: string;
  deadline: number;
  sent_at: number | null;
  answered_at: number | null;
  ok: number | null;
  latency_ms: number | null;
  message: string | null;
}
