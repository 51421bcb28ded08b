/** The log pipeline's tables (migrations 0014 and 0015): log groups, their stored blocks, log rules. */
export interface LogGroupTable {
  name: string;
  description: string | null;
  retention_days: number;
  /** JSON: {sources?, labels?}, or null. */
  match: string | null;
  created_at: number;
  updated_at: number;
}

/** A log rule (logs/rules/): its spec as JSON, kind beside it for the rule modules' reads. */
export interface LogRuleTable {
  name: string;
  kind: string;
  spec: string;
  created_at: number;
  updated_at: number;
}

export interface LogBlockTable {
  id: string;
  group_name: string;
  start_time: number;
  end_time: number;
  count: number;
  raw_bytes: number;
  stored_bytes: number;
  codec: string;
  level_max: number;
  escapes: number;
  bloom: Buffer;
  body: Buffer;
  created_at: number;
}

export interface LogTables {
  log_groups: LogGroupTable;
  log_blocks: LogBlockTable;
  log_rules: LogRuleTable;
}
